-- Categories (disaggregation dimensions), the latest version of each; dataDimension defaults to
-- true as in dhis2-core's Category.
-- materialized: table
WITH ranked AS (
  SELECT
    m.*,
    row_number() OVER (
      PARTITION BY id ORDER BY lastUpdated DESC NULLS LAST, _ingested_at DESC NULLS LAST) AS version_rank
  FROM ref('bronze.metadata_category') AS m
)
SELECT
  id AS uid,
  code,
  name,
  COALESCE(TRY_CAST(get_json_object(object, '$.dataDimension') AS BOOLEAN), TRUE) AS data_dimension
FROM ranked
WHERE version_rank = 1
