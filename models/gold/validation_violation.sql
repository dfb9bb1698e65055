-- Validation rule violations, as dhis2-core's validation run finds them (DataValidationRunner;
-- docs/gold_quality.md): one row per violated rule x org unit x period (the rule's period type) x
-- attribute option combo, at the rule's organisation unit levels, with both sides (NULL stored as
-- 0, as DHIS2 does), the operator and the importance. The whole SELECT is compiled from
-- silver.validation_rule by the generator in src/pipeline/validation_generator.h: each rule's
-- sides become one SQL expression over a pivot of its items, so every rule, org unit and period is
-- computed by one set-based query.
-- materialized: table
-- depends_on: silver.validation_rule, silver.data_value, silver.period, silver.org_unit, silver.constant, silver.org_unit_group_member, silver.program_indicator, gold.program_indicator_value
generated('validation_violation')
