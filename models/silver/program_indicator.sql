-- Program indicators, the latest version of each, with the fields analytics uses and their
-- analytics period boundaries as received (JSON array); gold.program_indicator_value compiles them
-- (docs/program_indicators.md).
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_program_indicator'))
SELECT
  id AS uid,
  code,
  name,
  get_json_object(object, '$.shortName') AS short_name,
  get_json_object(object, '$.program.id') AS program,
  COALESCE(get_json_object(object, '$.analyticsType'), 'EVENT') AS analytics_type,
  get_json_object(object, '$.expression') AS expression,
  get_json_object(object, '$.filter') AS filter_expression,
  get_json_object(object, '$.aggregationType') AS aggregation_type,
  get_json_object(object, '$.orgUnitField') AS org_unit_field,
  CAST(ROUND(TRY_CAST(get_json_object(object, '$.decimals') AS DOUBLE)) AS INT) AS decimals,
  get_json_object(object, '$.analyticsPeriodBoundaries') AS analytics_period_boundaries,
  object
FROM latest
