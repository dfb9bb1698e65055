-- Indicators, the latest version of each, with their type's factor and number flag (factor 1 and
-- number false when the type is absent or unknown). decimals NULL means DHIS2's default rounding
-- (dhis2-core Indicator.decimals: "null implies default"); annualized defaults to false.
-- materialized: table
-- depends_on: silver.indicator_type
WITH latest AS (generated('latest_version', 'bronze.metadata_indicator'))
SELECT
  l.id AS uid,
  l.code,
  l.name,
  get_json_object(l.object, '$.shortName') AS short_name,
  get_json_object(l.object, '$.numerator') AS numerator,
  get_json_object(l.object, '$.denominator') AS denominator,
  get_json_object(l.object, '$.indicatorType.id') AS indicator_type,
  COALESCE(t.factor, 1.0) AS factor,
  COALESCE(t.number, FALSE) AS number,
  COALESCE(TRY_CAST(get_json_object(l.object, '$.annualized') AS BOOLEAN), FALSE) AS annualized,
  CAST(ROUND(TRY_CAST(get_json_object(l.object, '$.decimals') AS DOUBLE)) AS INT) AS decimals
FROM latest AS l
LEFT JOIN ref('silver.indicator_type') AS t ON t.uid = get_json_object(l.object, '$.indicatorType.id')
