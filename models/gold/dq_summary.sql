-- A WHO data-quality-review style summary (docs/gold_quality.md): one row per data set x district
-- (the org units of level generated('dq_district_level'), default 3) x month, for the data sets
-- that gold.reporting_rate has monthly rows for (data sets of types up to Monthly).
--   expected, actual, actual_on_time  gold.reporting_rate's Monthly row of the district
--   completeness = actual * 100 / expected, timeliness = actual_on_time * 100 / expected (percent,
--                  capped at 100: DHIS2's REPORTING_RATE and REPORTING_RATE_ON_TIME)
--   values       data values of the data set's elements (silver.data_set_element) at units in the
--                district, in periods belonging to the month
--   outliers     those of them gold.outlier flags (z, modified z or min-max); outlier_share =
--                outliers / values (NULL with no values)
--   violations   gold.validation_violation rows in the district and month whose rule reads one of
--                the data set's elements (the rule's data_elements list)
-- materialized: table
WITH
district_unit AS (
  SELECT uid AS ou,
         CASE generated('dq_district_level')
           WHEN 1 THEN level1_uid WHEN 2 THEN level2_uid WHEN 3 THEN level3_uid
           WHEN 4 THEN level4_uid WHEN 5 THEN level5_uid WHEN 6 THEN level6_uid
           WHEN 7 THEN level7_uid ELSE level8_uid END AS district
  FROM ref('silver.org_unit')
  WHERE valid_to IS NULL
),
month_of AS (
  SELECT pe, CASE WHEN period_type = 'Monthly' THEN pe ELSE monthly END AS month
  FROM ref('silver.period')
),
rate AS (
  SELECT data_set, ou, pe, expected, actual, actual_on_time, rate, rate_on_time
  FROM ref('gold.reporting_rate')
  WHERE period_type = 'Monthly' AND ou_level = generated('dq_district_level')
),
value_count AS (
  SELECT e.data_set, u.district AS ou, m.month AS pe, COUNT(*) AS value_count
  FROM ref('silver.data_value') v
  JOIN ref('silver.data_set_element') e ON e.de = v.de
  JOIN district_unit u ON u.ou = v.ou AND u.district IS NOT NULL
  JOIN month_of m ON m.pe = v.pe AND m.month IS NOT NULL
  GROUP BY e.data_set, u.district, m.month
),
-- gold.outlier holds one row per numeric value of silver.data_value (its key), so the flagged
-- rows are counted on their own: no join of every value with every outlier row (a 4.8M-row hash
-- table on both sides at medium scale, 0.86 GB and most of the model's time).
outlier_count AS (
  SELECT e.data_set, u.district AS ou, m.month AS pe, COUNT(*) AS outliers
  FROM ref('gold.outlier') o
  JOIN ref('silver.data_set_element') e ON e.de = o.de
  JOIN district_unit u ON u.ou = o.ou AND u.district IS NOT NULL
  JOIN month_of m ON m.pe = o.pe AND m.month IS NOT NULL
  WHERE o.is_z_outlier OR o.is_modified_z_outlier OR o.is_min_max_outlier
  GROUP BY e.data_set, u.district, m.month
),
violation_count AS (
  SELECT r.data_set, r.ou, r.pe, COUNT(*) AS violations
  FROM (
    SELECT DISTINCT e.data_set, u.district AS ou, m.month AS pe, x.rule, x.ou AS unit,
           x.pe AS period, x.aoc
    FROM ref('gold.validation_violation') x
    JOIN district_unit u ON u.ou = x.ou AND u.district IS NOT NULL
    JOIN month_of m ON m.pe = x.pe AND m.month IS NOT NULL
    JOIN ref('silver.data_set_element') e
      ON concat(',', x.data_elements, ',') LIKE concat('%,', e.de, ',%')
  ) AS r
  GROUP BY r.data_set, r.ou, r.pe
)
SELECT r.data_set, r.ou, r.pe, r.expected, r.actual, r.actual_on_time,
       r.rate AS completeness, r.rate_on_time AS timeliness,
       COALESCE(v.value_count, 0) AS "values",
       COALESCE(o.outliers, 0) AS outliers,
       CASE WHEN v.value_count > 0 THEN CAST(COALESCE(o.outliers, 0) AS DOUBLE) / v.value_count END
         AS outlier_share,
       COALESCE(c.violations, 0) AS violations
FROM rate r
LEFT JOIN value_count v ON v.data_set = r.data_set AND v.ou = r.ou AND v.pe = r.pe
LEFT JOIN outlier_count o ON o.data_set = r.data_set AND o.ou = r.ou AND o.pe = r.pe
LEFT JOIN violation_count c ON c.data_set = r.data_set AND c.ou = r.ou AND c.pe = r.pe
