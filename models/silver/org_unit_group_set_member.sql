-- The groups of each org unit group set (the latest version of its organisationUnitGroups).
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_organisation_unit_group_set'))
-- Each array is parsed once (from_json + explode), not once per element.
SELECT DISTINCT
  group_set,
  member.id AS group_uid
FROM (
  SELECT
    id AS group_set,
    explode(from_json(get_json_object(object, '$.organisationUnitGroups'),
      'array<struct<id:string>>')) AS member
  FROM latest
) AS exploded
WHERE member.id IS NOT NULL
