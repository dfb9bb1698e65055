-- Category combos, the latest version of each.
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_category_combo'))
SELECT id AS uid, code, name
FROM latest
