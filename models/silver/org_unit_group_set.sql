-- Org unit group sets, the latest version of each.
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
SELECT id AS uid, code, name
FROM latest
