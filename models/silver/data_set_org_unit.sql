-- The org units each data set is assigned to (the latest version of the data set's
-- organisationUnits).
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_data_set'))
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
