-- Data sets, the latest version of each. Absent numbers take dhis2-core's DataSet field defaults
-- (timelyDays, expiryDays, openFuturePeriods 0); an absent categoryCombo is the combo named
-- "default". period_type is NULL when the payload lacks it (the Sierra Leone recordings).
-- materialized: table
-- depends_on: bronze.metadata_category_combo
WITH latest AS (generated('latest_version', 'bronze.metadata_data_set')),
default_combo AS (
  SELECT MIN(id) AS uid FROM ref('bronze.metadata_category_combo') WHERE name = 'default'
)
SELECT
  r.id AS uid,
  r.code,
  r.name,
  get_json_object(r.object, '$.periodType') AS period_type,
  COALESCE(TRY_CAST(get_json_object(r.object, '$.timelyDays') AS DOUBLE), 0.0) AS timely_days,
  CAST(ROUND(COALESCE(TRY_CAST(get_json_object(r.object, '$.expiryDays') AS DOUBLE), 0.0))
    AS INT) AS expiry_days,
  CAST(ROUND(COALESCE(TRY_CAST(get_json_object(r.object, '$.openFuturePeriods') AS DOUBLE), 0.0))
    AS INT) AS open_future_periods,
  COALESCE(get_json_object(r.object, '$.categoryCombo.id'), d.uid) AS category_combo
FROM latest AS r
CROSS JOIN default_combo AS d
