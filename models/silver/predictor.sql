-- Predictors, the latest version of each, with the fields gold.predicted_value uses
-- (docs/predictors.md): the output data element and option combo, the period type, the generator
-- expression and its missing value strategy, the sample counts, the skip test (and its strategy), the org unit levels
-- (JSON array of level uids as received) and whether values of descendants count.
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_predictor'))
SELECT
  id AS uid,
  code,
  name,
  get_json_object(object, '$.output.id') AS output,
  get_json_object(object, '$.outputCombo.id') AS output_combo,
  get_json_object(object, '$.periodType') AS period_type,
  get_json_object(object, '$.generator.expression') AS expression,
  get_json_object(object, '$.generator.missingValueStrategy') AS missing_value_strategy,
  get_json_object(object, '$.sampleSkipTest.expression') AS sample_skip_test,
  get_json_object(object, '$.sampleSkipTest.missingValueStrategy')
    AS sample_skip_test_missing_value_strategy,
  CAST(ROUND(TRY_CAST(get_json_object(object, '$.sequentialSampleCount') AS DOUBLE)) AS INT)
    AS sequential_sample_count,
  CAST(ROUND(TRY_CAST(get_json_object(object, '$.annualSampleCount') AS DOUBLE)) AS INT)
    AS annual_sample_count,
  CAST(ROUND(TRY_CAST(get_json_object(object, '$.sequentialSkipCount') AS DOUBLE)) AS INT)
    AS sequential_skip_count,
  get_json_object(object, '$.organisationUnitLevels') AS org_unit_levels,
  COALESCE(get_json_object(object, '$.organisationUnitDescendants'), 'DESCENDANTS')
    AS org_unit_descendants
FROM latest
