-- Categories (disaggregation dimensions), the latest version of each; dataDimension defaults to
-- true as in dhis2-core's Category.
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_category'))
SELECT
  id AS uid,
  code,
  name,
  COALESCE(TRY_CAST(get_json_object(object, '$.dataDimension') AS BOOLEAN), TRUE) AS data_dimension
FROM latest
