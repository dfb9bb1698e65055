-- Test model: a table model over a second bronze table.
-- materialized: table
SELECT id AS uid, name, CAST(level AS VARCHAR) AS level_text
FROM ref('bronze.metadata_organisation_unit')
