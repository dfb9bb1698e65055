-- Org unit groups, the latest version of each.
-- materialized: table
WITH latest AS (
  SELECT * FROM (
    SELECT
      m.*,
      row_number() OVER (
        PARTITION BY id ORDER BY lastUpdated DESC NULLS LAST, _ingested_at DESC NULLS LAST)
        AS version_rank
    FROM ref('bronze.metadata_organisation_unit_group') AS m
  ) AS r
  WHERE version_rank = 1
)
SELECT id AS uid, code, name, get_json_object(object, '$.shortName') AS short_name
FROM latest
