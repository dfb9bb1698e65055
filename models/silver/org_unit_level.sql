-- Org unit levels (their uids and names), the latest version of each level object; one row per
-- level number (the latest-updated object wins if two name the same level).
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_organisation_unit_level'))
SELECT level, name, uid FROM (
  SELECT
    id AS uid,
    CAST(ROUND(TRY_CAST(get_json_object(object, '$.level') AS DOUBLE)) AS INT) AS level,
    name,
    row_number() OVER (
      PARTITION BY get_json_object(object, '$.level')
      ORDER BY lastUpdated DESC NULLS LAST, id ASC NULLS LAST) AS level_rank
  FROM latest
  WHERE TRY_CAST(get_json_object(object, '$.level') AS DOUBLE) IS NOT NULL
) AS levels
WHERE level_rank = 1
