-- Test model: a table model with a quoted identifier, a generated() call and a fail expectation.
-- materialized: table
-- depends_on: silver.org_unit
-- expect: counted | "values" >= 0 | fail
SELECT v.ou, o.name, v.year, COUNT(*) AS "values", SUM(v.value) AS total,
       generated('share') AS share
FROM ref('silver.data_value') AS v
LEFT JOIN ref('silver.org_unit') AS o ON o.uid = v.ou
GROUP BY v.ou, o.name, v.year
