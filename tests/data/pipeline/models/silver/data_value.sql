-- Data values, latest version per key; deletions remove the key.
-- materialized: incremental
-- unique_key: de, pe, ou
-- order_by: last_updated
-- deleted: deleted
-- partition_by: year
-- expect: value_is_number | TRY_CAST(value AS DOUBLE) IS NOT NULL | quarantine
-- expect: ou_present | ou IS NOT NULL | warn
SELECT de, pe, ou, value, last_updated, deleted, year
FROM ref('bronze.data_value_raw')
