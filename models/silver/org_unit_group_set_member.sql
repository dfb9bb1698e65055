-- The groups of each org unit group set (the latest version of its organisationUnitGroups).
-- materialized: table
WITH latest AS (
  SELECT * FROM (
    SELECT
      m.*,
      row_number() OVER (
        PARTITION BY id ORDER BY lastUpdated DESC NULLS LAST, _ingested_at DESC NULLS LAST)
        AS version_rank
    FROM ref('bronze.metadata_organisation_unit_group_set') AS m
  ) AS r
  WHERE version_rank = 1
)
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
