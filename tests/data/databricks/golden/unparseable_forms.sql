CREATE VOLUME IF NOT EXISTS `health`.`dhis2_bronze`.`landing`;
ALTER TABLE `health`.`dhis2_bronze`.`data_value` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false');
ALTER TABLE `health`.`dhis2_bronze`.`metadata_constant` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false');
ALTER TABLE `health`.`dhis2_bronze`.`metadata_organisation_unit` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false');
ALTER TABLE `health`.`dhis2_silver`.`constant` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false');
ALTER TABLE `health`.`dhis2_silver`.`data_value` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false');
ALTER TABLE `health`.`dhis2_silver`.`org_unit` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false');
ALTER TABLE `health`.`dhis2_gold`.`total` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false');
ALTER TABLE `health`.`dhis2_silver`.`rejects` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false');
ALTER TABLE `health`.`dhis2_ops`.`dq_result` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'false', 'delta.enableRowTracking' = 'false');
COPY INTO `health`.`dhis2_bronze`.`data_value`
FROM '/Volumes/health/dhis2_bronze/landing/bronze/data_value/'
FILEFORMAT = PARQUET
COPY_OPTIONS ('mergeSchema' = 'false');
COPY INTO `health`.`dhis2_bronze`.`metadata_organisation_unit`
FROM '/Volumes/health/dhis2_bronze/landing/bronze/metadata_organisation_unit/'
FILEFORMAT = PARQUET
COPY_OPTIONS ('mergeSchema' = 'false');
