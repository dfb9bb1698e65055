CREATE OR REPLACE TABLE `health`.`dhis2_ops`.`_stage_gold_total` USING DELTA TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false', 'delta.columnMapping.mode' = 'none', 'delta.checkpointPolicy' = 'classic', 'delta.minReaderVersion' = '1', 'delta.minWriterVersion' = '2')
AS SELECT `ou`, `name`, `year`, `values`, `total`, `share` FROM (
-- Test model: a table model with a quoted identifier, a generated() call and a fail expectation.
-- materialized: table
-- depends_on: silver.org_unit
-- expect: counted | "values" >= 0 | fail
SELECT v.ou, o.name, v.year, COUNT(*) AS `values`, SUM(v.value) AS total,
       try_divide(SUM(v.value), COUNT(*)) AS share
FROM `health`.`dhis2_silver`.`data_value` AS v
LEFT JOIN `health`.`dhis2_silver`.`org_unit` AS o ON o.uid = v.ou
GROUP BY v.ou, o.name, v.year
) AS m;
INSERT INTO `health`.`dhis2_ops`.`dq_result` (`run_id`, `model`, `expectation`, `action`, `rows_failing`, `rows_total`, `recorded_at`)
SELECT concat('databricks-', CAST(current_date() AS STRING)), 'gold.total', 'counted', 'fail', COUNT_IF(NOT COALESCE((`values` >= 0), FALSE)), COUNT(*), current_timestamp()
FROM `health`.`dhis2_ops`.`_stage_gold_total` AS l;
SELECT raise_error(concat('model gold.total: expectation counted ("values" >= 0) failed on ', CAST(COUNT(*) AS STRING), ' rows'))
FROM `health`.`dhis2_ops`.`_stage_gold_total` AS l
WHERE NOT COALESCE((`values` >= 0), FALSE)
HAVING COUNT(*) > 0;
INSERT OVERWRITE TABLE `health`.`dhis2_gold`.`total`
SELECT `ou`, `name`, `year`, `values`, `total`, `share` FROM `health`.`dhis2_ops`.`_stage_gold_total` AS w;
DROP TABLE IF EXISTS `health`.`dhis2_ops`.`_stage_gold_total`;
