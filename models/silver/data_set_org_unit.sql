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
-- Each array is parsed once (from_json + explode), not once per element.
SELECT DISTINCT
  data_set,
  member.id AS ou
FROM (
  SELECT
    id AS data_set,
    explode(from_json(get_json_object(object, '$.organisationUnits'), 'array<struct<id:string>>'))
      AS member
  FROM latest
) AS exploded
WHERE member.id IS NOT NULL
