-- Category options, the latest version of each, with the dates they are valid for (NULL: always).
-- materialized: table
WITH ranked AS (
  SELECT
    m.*,
    row_number() OVER (
      PARTITION BY id ORDER BY lastUpdated DESC NULLS LAST, _ingested_at DESC NULLS LAST) AS version_rank
  FROM ref('bronze.metadata_category_option') AS m
)
SELECT
  id AS uid,
  code,
  name,
  TRY_CAST(substring(get_json_object(object, '$.startDate'), 1, 10) AS DATE) AS start_date,
  TRY_CAST(substring(get_json_object(object, '$.endDate'), 1, 10) AS DATE) AS end_date
FROM ranked
WHERE version_rank = 1
