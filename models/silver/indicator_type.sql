-- Indicator types, the latest version of each: factor (dhis2-core IndicatorType.factor, an int
-- defaulting to 0 there; 1 here when absent, so that an indicator of an unknown type keeps its
-- ratio) and number (false by default).
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_indicator_type'))
SELECT
  id AS uid,
  name,
  COALESCE(TRY_CAST(get_json_object(object, '$.factor') AS DOUBLE), 1.0) AS factor,
  COALESCE(TRY_CAST(get_json_object(object, '$.number') AS BOOLEAN), FALSE) AS number
FROM latest
