-- The data elements of each data set (the latest version of its dataSetElements), with the
-- element's category combo override in that data set (NULL: the data element's own).
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_data_set')),
elements AS (
  SELECT
    data_set,
    get_json_object(members, concat('$[', CAST(i AS STRING), '].dataElement.id')) AS de,
    get_json_object(members, concat('$[', CAST(i AS STRING), '].categoryCombo.id'))
      AS category_combo
  FROM (
    SELECT
      id AS data_set,
      get_json_object(object, '$.dataSetElements') AS members,
      explode(sequence(0, json_array_length(get_json_object(object, '$.dataSetElements')) - 1))
        AS i
    FROM latest
    WHERE json_array_length(get_json_object(object, '$.dataSetElements')) > 0
  ) AS exploded
)
SELECT data_set, de, MAX(category_combo) AS category_combo
FROM elements
WHERE de IS NOT NULL
GROUP BY data_set, de
