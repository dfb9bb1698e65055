-- Category combos, the latest version of each.
-- materialized: table
WITH ranked AS (
  SELECT
    m.*,
    row_number() OVER (
      PARTITION BY id ORDER BY lastUpdated DESC NULLS LAST, _ingested_at DESC NULLS LAST) AS version_rank
  FROM ref('bronze.metadata_category_combo') AS m
)
SELECT id AS uid, code, name
FROM ranked
WHERE version_rank = 1
