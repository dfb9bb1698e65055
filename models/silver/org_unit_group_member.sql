-- The members of each org unit group (the latest version of its organisationUnits).
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_organisation_unit_group'))
-- Each array is parsed once (from_json + explode), not once per element.
SELECT DISTINCT
  group_uid,
  member.id AS ou
FROM (
  SELECT
    id AS group_uid,
    explode(from_json(get_json_object(object, '$.organisationUnits'), 'array<struct<id:string>>'))
      AS member
  FROM latest
) AS exploded
WHERE member.id IS NOT NULL
