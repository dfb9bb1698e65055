-- Constants (the C{uid} items of expressions), the latest version of each; value 0 when absent
-- (dhis2-core Constant.value is a double field).
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_constant'))
SELECT
  id AS uid,
  code,
  name,
  COALESCE(TRY_CAST(get_json_object(object, '$.value') AS DOUBLE), 0.0) AS value
FROM latest
