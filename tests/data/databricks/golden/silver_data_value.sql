CREATE OR REPLACE TABLE `health`.`dhis2_ops`.`_stage_silver_data_value` USING DELTA TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false', 'delta.columnMapping.mode' = 'none', 'delta.checkpointPolicy' = 'classic', 'delta.minReaderVersion' = '1', 'delta.minWriterVersion' = '2')
AS SELECT `de`, `pe`, `ou`, `value`, `comment`, `last_updated`, `deleted`, `_ingested_at`, `year` FROM (
  SELECT *, row_number() OVER (PARTITION BY `de`, `pe`, `ou` ORDER BY `last_updated` DESC NULLS LAST, `_ingested_at` DESC NULLS LAST) AS `_dhl_rank`
  FROM (
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
  replace(comment, '\\', 'it\'s') AS comment,
  CAST(lastUpdated AS TIMESTAMP) AS last_updated,
  COALESCE(deleted, FALSE) AS deleted,
  _ingested_at,
  CAST(FLOOR(TRY_CAST(substring(period, 1, 4) AS DOUBLE)) AS INTEGER) AS year
FROM `health`.`dhis2_bronze`.`data_value`
  ) AS m
) AS r
WHERE `_dhl_rank` = 1;
INSERT INTO `health`.`dhis2_ops`.`dq_result` (`run_id`, `model`, `expectation`, `action`, `rows_failing`, `rows_total`, `recorded_at`)
SELECT concat('databricks-', CAST(current_date() AS STRING)), 'silver.data_value', 'value_is_number', 'quarantine', COUNT_IF(NOT COALESCE((value IS NOT NULL), FALSE)), COUNT(*), current_timestamp()
FROM (SELECT * FROM `health`.`dhis2_ops`.`_stage_silver_data_value` WHERE NOT COALESCE(`deleted`, FALSE)) AS l;
INSERT INTO `health`.`dhis2_silver`.`rejects` (`table_name`, `record`, `reason`, `expectation`, `_run_id`)
SELECT 'silver.data_value', to_json(struct(l.`de`, l.`pe`, l.`ou`, l.`value`, l.`comment`, l.`last_updated`, l.`deleted`, l.`_ingested_at`, l.`year`)), 'failed: value IS NOT NULL', 'value_is_number', concat('databricks-', CAST(current_date() AS STRING))
FROM (SELECT * FROM `health`.`dhis2_ops`.`_stage_silver_data_value` WHERE NOT COALESCE(`deleted`, FALSE)) AS l
WHERE NOT COALESCE((value IS NOT NULL), FALSE);
INSERT INTO `health`.`dhis2_ops`.`dq_result` (`run_id`, `model`, `expectation`, `action`, `rows_failing`, `rows_total`, `recorded_at`)
SELECT concat('databricks-', CAST(current_date() AS STRING)), 'silver.data_value', 'has_comment', 'warn', COUNT_IF(NOT COALESCE((comment IS NOT NULL), FALSE)), COUNT(*), current_timestamp()
FROM (SELECT * FROM `health`.`dhis2_ops`.`_stage_silver_data_value` WHERE NOT COALESCE(`deleted`, FALSE)) AS l;
MERGE INTO `health`.`dhis2_silver`.`data_value` AS t
USING (
  SELECT `de`, `pe`, `ou`, `value`, `comment`, `last_updated`, `_ingested_at`, `year`, (COALESCE(`deleted`, FALSE) OR (NOT COALESCE((value IS NOT NULL), FALSE))) AS `deleted`
  FROM `health`.`dhis2_ops`.`_stage_silver_data_value` AS w
) AS s
ON t.`de` <=> s.`de` AND t.`pe` <=> s.`pe` AND t.`ou` <=> s.`ou`
WHEN MATCHED AND s.`deleted` THEN DELETE
WHEN MATCHED THEN UPDATE SET `de` = s.`de`, `pe` = s.`pe`, `ou` = s.`ou`, `value` = s.`value`, `comment` = s.`comment`, `last_updated` = s.`last_updated`, `deleted` = s.`deleted`, `_ingested_at` = s.`_ingested_at`, `year` = s.`year`
WHEN NOT MATCHED AND NOT s.`deleted` THEN INSERT (`de`, `pe`, `ou`, `value`, `comment`, `last_updated`, `deleted`, `_ingested_at`, `year`) VALUES (s.`de`, s.`pe`, s.`ou`, s.`value`, s.`comment`, s.`last_updated`, s.`deleted`, s.`_ingested_at`, s.`year`);
DROP TABLE IF EXISTS `health`.`dhis2_ops`.`_stage_silver_data_value`;
