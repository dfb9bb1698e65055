-- materialized: table
SELECT ou, name FROM ref('bronze.org_unit_raw')
