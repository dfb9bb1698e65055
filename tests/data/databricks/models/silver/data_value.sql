-- Test model (src/databricks/bundle_test.cc): incremental, partitioned, with a quarantine and a
-- warn expectation; a string literal holding a backslash and a doubled quote.
-- materialized: incremental
-- unique_key: de, pe, ou
-- order_by: last_updated, _ingested_at
-- deleted: deleted
-- partition_by: year
-- expect: value_is_number | value IS NOT NULL | quarantine
-- expect: has_comment | comment IS NOT NULL | warn
SELECT
  dataElement AS de,
  period AS pe,
  orgUnit AS ou,
  TRY_CAST(value AS DOUBLE) AS value,
  replace(comment, '\', 'it''s') AS comment,
  CAST(lastUpdated AS TIMESTAMPTZ) AS last_updated,
  COALESCE(deleted, FALSE) AS deleted,
  _ingested_at,
  CAST(FLOOR(TRY_CAST(substring(period, 1, 4) AS DOUBLE)) AS INTEGER) AS year
FROM ref('bronze.data_value')
