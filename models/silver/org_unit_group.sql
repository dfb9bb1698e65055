-- Org unit groups, the latest version of each.
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_organisation_unit_group'))
SELECT id AS uid, code, name, get_json_object(object, '$.shortName') AS short_name
FROM latest
