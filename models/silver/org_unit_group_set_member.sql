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
SELECT DISTINCT
  group_set,
  get_json_object(members, concat('$[', CAST(i AS STRING), '].id')) AS group_uid
FROM (
  SELECT
    id AS group_set,
    get_json_object(object, '$.organisationUnitGroups') AS members,
    explode(sequence(0, json_array_length(get_json_object(object, '$.organisationUnitGroups')) - 1)) AS i
  FROM latest
  WHERE json_array_length(get_json_object(object, '$.organisationUnitGroups')) > 0
) AS exploded
