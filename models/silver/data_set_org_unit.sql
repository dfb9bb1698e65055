-- The org units each data set is assigned to (the latest version of the data set's
-- organisationUnits).
-- materialized: table
WITH latest AS (
  SELECT * FROM (
    SELECT
      m.*,
      row_number() OVER (
        PARTITION BY id ORDER BY lastUpdated DESC NULLS LAST, _ingested_at DESC NULLS LAST)
        AS version_rank
    FROM ref('bronze.metadata_data_set') AS m
  ) AS r
  WHERE version_rank = 1
)
SELECT DISTINCT
  data_set,
  get_json_object(members, concat('$[', CAST(i AS STRING), '].id')) AS ou
FROM (
  SELECT
    id AS data_set,
    get_json_object(object, '$.organisationUnits') AS members,
    explode(sequence(0, json_array_length(get_json_object(object, '$.organisationUnits')) - 1))
      AS i
  FROM latest
  WHERE json_array_length(get_json_object(object, '$.organisationUnits')) > 0
) AS exploded
