-- materialized: table
-- expect: total_not_negative | total >= 0 | warn
SELECT d.ou, o.name, SUM(CAST(d.value AS DOUBLE)) AS total, COUNT(*) AS value_count
FROM ref('silver.data_value') AS d
JOIN ref('silver.org_unit') AS o ON d.ou = o.ou
GROUP BY d.ou, o.name
