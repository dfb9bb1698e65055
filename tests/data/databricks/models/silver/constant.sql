-- Test model: reads a bronze table the test's source never delivered (absent is empty).
-- materialized: table
SELECT id AS uid, name FROM ref('bronze.metadata_constant')
