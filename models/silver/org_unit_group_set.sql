-- Org unit group sets, the latest version of each.
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_organisation_unit_group_set'))
SELECT id AS uid, code, name
FROM latest
