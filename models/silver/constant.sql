-- Constants (the C{uid} items of expressions), the latest version of each; value 0 when absent
-- (dhis2-core Constant.value is a double field).
-- materialized: table
WITH latest AS (
  SELECT * FROM (
    SELECT
      m.*,
      row_number() OVER (
        PARTITION BY id ORDER BY lastUpdated DESC NULLS LAST, _ingested_at DESC NULLS LAST)
        AS version_rank
    FROM ref('bronze.metadata_constant') AS m
  ) AS r
  WHERE version_rank = 1
)
SELECT
  id AS uid,
  code,
  name,
  COALESCE(TRY_CAST(get_json_object(object, '$.value') AS DOUBLE), 0.0) AS value
FROM latest
