-- Validation rules, the latest version of each: both sides' expressions and missing value
-- strategies (default SKIP_IF_ALL_VALUES_MISSING, dhis2-core Expression), operator, importance
-- (default MEDIUM, dhis2-core ValidationRule), period type, and the org unit levels the rule runs
-- at as a comma list ("3,4"; NULL when none: gold then uses the levels of the data).
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_validation_rule'))
SELECT
  id AS uid,
  code,
  name,
  get_json_object(object, '$.leftSide.expression') AS left_expression,
  get_json_object(object, '$.rightSide.expression') AS right_expression,
  get_json_object(object, '$.operator') AS operator,
  COALESCE(get_json_object(object, '$.importance'), 'MEDIUM') AS importance,
  get_json_object(object, '$.periodType') AS period_type,
  COALESCE(get_json_object(object, '$.leftSide.missingValueStrategy'),
    'SKIP_IF_ALL_VALUES_MISSING') AS left_missing_value_strategy,
  COALESCE(get_json_object(object, '$.rightSide.missingValueStrategy'),
    'SKIP_IF_ALL_VALUES_MISSING') AS right_missing_value_strategy,
  NULLIF(replace(replace(replace(
    get_json_object(object, '$.organisationUnitLevels'), '[', ''), ']', ''), ' ', ''), '')
    AS organisation_unit_levels
FROM latest
