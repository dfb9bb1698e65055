-- Aggregates per data element (the total with coc NULL, per category option combo, and per
-- category option with category and category_option set) x org unit at every level x period of the
-- configured types, by each data element's aggregation type exactly as DHIS2's analytics engine
-- (JdbcAnalyticsManager) answers a query for that cell; the rules and their dhis2-core sources
-- are in docs/gold_aggregate.md. The rules themselves come from src/dhis2/aggregation_type.h
-- through generators (src/pipeline/aggregate_generators.h):
--   aggregate_rules           per data element and query period type: the time selection
--                             (GetTimeSelection), the outer aggregate (AggregateValueSql), whether
--                             LAST/FIRST rank across org units (RanksAcrossOrgUnits) and whether
--                             the query disaggregates (IsDisaggregation)
--   aggregate_query_periods   the periods of the query types over the data's dates, with the
--                             10-year look-back start of LAST and FIRST
--   aggregate_disaggregation_periods  which data period(s) a disaggregated query period takes its
--                             value from, with the weight of DHIS2's yearly weighted average
-- Set-based: values are summed once per (element, cell period, coc, org unit) into partial sums
-- (count, sum, sum of squares, min, max, sum of value x days, sum of days), the partial sums roll up
-- to the grains and then to every org-unit level, and each formula is evaluated on
-- them. The period structure comes from gold.analytics's period columns, unpivoted once per data
-- period (not per value).
-- Partitioned by the year of the query period's start; a changed year of gold.analytics recomputes
-- the years within the look-back window after it (partition_window: LAST/FIRST look back 10 years,
-- financial years and weeks reach one year across).
-- materialized: partitioned
-- partition_by: year
-- partition_inputs: gold.analytics
-- partition_window: -10, 1
-- depends_on: silver.data_element, silver.data_set, silver.data_set_element
-- expect: value_is_number | value = value | warn
WITH
rule AS (generated('aggregate_rules')),
query_period AS (generated('aggregate_query_periods')),
disaggregation_period AS (generated('aggregate_disaggregation_periods')),
fact AS (
  SELECT de, coc, aoc, ou, pe, start_date, end_date, value, days, value_x_days
  FROM ref('gold.analytics')
  WHERE value IS NOT NULL
),
-- Each data period with the period of every longer type it belongs to (and itself).
data_period AS (
  SELECT DISTINCT pe, daily, weekly, weeklywednesday, weeklythursday, weeklyfriday, weeklysaturday, weeklysunday, biweekly, monthly, bimonthly, quarterly, quarterlynov, sixmonthly, sixmonthlyapril, sixmonthlynov, yearly, financialfeb, financialapril, financialjuly, financialaug, financialsep, financialoct, financialnov
  FROM ref('gold.analytics')
),
structure AS (
  SELECT pe, 'Daily' AS period_type, daily AS structure_pe FROM data_period WHERE daily IS NOT NULL
  UNION ALL
  SELECT pe, 'Weekly' AS period_type, weekly AS structure_pe FROM data_period WHERE weekly IS NOT NULL
  UNION ALL
  SELECT pe, 'WeeklyWednesday' AS period_type, weeklywednesday AS structure_pe FROM data_period WHERE weeklywednesday IS NOT NULL
  UNION ALL
  SELECT pe, 'WeeklyThursday' AS period_type, weeklythursday AS structure_pe FROM data_period WHERE weeklythursday IS NOT NULL
  UNION ALL
  SELECT pe, 'WeeklyFriday' AS period_type, weeklyfriday AS structure_pe FROM data_period WHERE weeklyfriday IS NOT NULL
  UNION ALL
  SELECT pe, 'WeeklySaturday' AS period_type, weeklysaturday AS structure_pe FROM data_period WHERE weeklysaturday IS NOT NULL
  UNION ALL
  SELECT pe, 'WeeklySunday' AS period_type, weeklysunday AS structure_pe FROM data_period WHERE weeklysunday IS NOT NULL
  UNION ALL
  SELECT pe, 'BiWeekly' AS period_type, biweekly AS structure_pe FROM data_period WHERE biweekly IS NOT NULL
  UNION ALL
  SELECT pe, 'Monthly' AS period_type, monthly AS structure_pe FROM data_period WHERE monthly IS NOT NULL
  UNION ALL
  SELECT pe, 'BiMonthly' AS period_type, bimonthly AS structure_pe FROM data_period WHERE bimonthly IS NOT NULL
  UNION ALL
  SELECT pe, 'Quarterly' AS period_type, quarterly AS structure_pe FROM data_period WHERE quarterly IS NOT NULL
  UNION ALL
  SELECT pe, 'QuarterlyNov' AS period_type, quarterlynov AS structure_pe FROM data_period WHERE quarterlynov IS NOT NULL
  UNION ALL
  SELECT pe, 'SixMonthly' AS period_type, sixmonthly AS structure_pe FROM data_period WHERE sixmonthly IS NOT NULL
  UNION ALL
  SELECT pe, 'SixMonthlyApril' AS period_type, sixmonthlyapril AS structure_pe FROM data_period WHERE sixmonthlyapril IS NOT NULL
  UNION ALL
  SELECT pe, 'SixMonthlyNov' AS period_type, sixmonthlynov AS structure_pe FROM data_period WHERE sixmonthlynov IS NOT NULL
  UNION ALL
  SELECT pe, 'Yearly' AS period_type, yearly AS structure_pe FROM data_period WHERE yearly IS NOT NULL
  UNION ALL
  SELECT pe, 'FinancialFeb' AS period_type, financialfeb AS structure_pe FROM data_period WHERE financialfeb IS NOT NULL
  UNION ALL
  SELECT pe, 'FinancialApril' AS period_type, financialapril AS structure_pe FROM data_period WHERE financialapril IS NOT NULL
  UNION ALL
  SELECT pe, 'FinancialJuly' AS period_type, financialjuly AS structure_pe FROM data_period WHERE financialjuly IS NOT NULL
  UNION ALL
  SELECT pe, 'FinancialAug' AS period_type, financialaug AS structure_pe FROM data_period WHERE financialaug IS NOT NULL
  UNION ALL
  SELECT pe, 'FinancialSep' AS period_type, financialsep AS structure_pe FROM data_period WHERE financialsep IS NOT NULL
  UNION ALL
  SELECT pe, 'FinancialOct' AS period_type, financialoct AS structure_pe FROM data_period WHERE financialoct IS NOT NULL
  UNION ALL
  SELECT pe, 'FinancialNov' AS period_type, financialnov AS structure_pe FROM data_period WHERE financialnov IS NOT NULL
),
-- The org-unit structure of the units with values.
unit AS (
  SELECT DISTINCT ou, level1_uid, level2_uid, level3_uid, level4_uid, level5_uid, level6_uid, level7_uid, level8_uid
  FROM ref('gold.analytics')
),
-- Each category option combo in its three grains: the total, itself, and each of its options.
grain AS (
  SELECT uid AS coc, CAST(NULL AS VARCHAR) AS g_coc, CAST(NULL AS VARCHAR) AS g_category,
         CAST(NULL AS VARCHAR) AS g_option
  FROM ref('silver.category_option_combo')
  UNION ALL
  SELECT uid, uid, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR)
  FROM ref('silver.category_option_combo')
  UNION ALL
  -- Per option only in combos of several option combos: the default combo's single option would
  -- repeat the total.
  SELECT o.coc, CAST(NULL AS VARCHAR), o.category, o.category_option
  FROM ref('silver.category_option_combo_option') o
  JOIN ref('silver.category_option_combo') c ON c.uid = o.coc
  WHERE c.category_combo IN (
    SELECT category_combo FROM ref('silver.category_option_combo')
    GROUP BY category_combo HAVING COUNT(*) > 1)
),
-- Values of the 'all' and 'min_max' selections in their cell period: the query period the value's
-- period belongs to (period structure), or, when the query disaggregates, the data period it
-- belongs to (the cell is computed there and copied to the query periods below).
member AS (
  SELECT f.de, f.coc, f.ou, f.value, f.days, f.value_x_days, r.period_type, s.structure_pe AS cp
  FROM fact f
  JOIN rule r ON r.de = f.de AND r.selection IN ('all', 'min_max')
  JOIN structure s
    ON s.pe = f.pe
   AND s.period_type = CASE WHEN r.disaggregation THEN r.data_period_type ELSE r.period_type END
),
-- LAST and FIRST: per series (de, ou, coc, aoc) in order of period end then start, the end of the
-- next value and the latest start of the earlier ones.
ranked_fact AS (
  SELECT f.de, f.coc, f.aoc, f.ou, f.start_date, f.end_date, f.value, f.days, f.value_x_days,
         LEAD(f.end_date) OVER (
           PARTITION BY f.de, f.ou, f.coc, f.aoc
           ORDER BY f.end_date ASC NULLS LAST, f.start_date ASC NULLS LAST) AS next_end,
         MAX(f.start_date) OVER (
           PARTITION BY f.de, f.ou, f.coc, f.aoc
           ORDER BY f.end_date ASC NULLS LAST, f.start_date ASC NULLS LAST
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_start
  FROM fact f
  WHERE f.de IN (SELECT de FROM rule WHERE selection IN ('last', 'first'))
),
-- The value each series contributes to a query period (JdbcAnalyticsManager
-- getFirstOrLastValueSubquerySql, pe_rank = 1): among values with start >= query end - 10 years
-- and end <= query end, LAST the latest (the value is the latest until the next one ends), FIRST
-- the earliest (no earlier value starts inside the window); LAST_IN_PERIOD the latest of those
-- inside the query period.
winner AS (
  SELECT s.de, s.coc, s.aoc, s.ou, s.start_date, s.end_date, s.value, s.days, s.value_x_days,
         r.period_type, r.selection, r.ranks_across, q.pe AS cp
  FROM ranked_fact s
  JOIN rule r ON r.de = s.de AND r.selection = 'last'
  JOIN query_period q
    ON q.period_type = r.period_type AND q.end_date >= s.end_date
   AND s.start_date >= q.look_back_start
  WHERE s.next_end IS NULL OR q.end_date < s.next_end
  UNION ALL
  SELECT s.de, s.coc, s.aoc, s.ou, s.start_date, s.end_date, s.value, s.days, s.value_x_days,
         r.period_type, r.selection, r.ranks_across, q.pe
  FROM ranked_fact s
  JOIN rule r ON r.de = s.de AND r.selection = 'first'
  JOIN query_period q
    ON q.period_type = r.period_type AND q.end_date >= s.end_date
   AND s.start_date >= q.look_back_start
  WHERE s.earlier_start IS NULL OR s.earlier_start < q.look_back_start
  UNION ALL
  SELECT de, coc, aoc, ou, start_date, end_date, value, days, value_x_days, period_type,
         selection, ranks_across, cp
  FROM (
    SELECT f.de, f.coc, f.aoc, f.ou, f.start_date, f.end_date, f.value, f.days, f.value_x_days,
           r.period_type, r.selection, r.ranks_across, q.pe AS cp,
           ROW_NUMBER() OVER (
             PARTITION BY f.de, f.ou, f.coc, f.aoc, q.period_type, q.pe
             ORDER BY f.end_date DESC NULLS LAST, f.start_date DESC NULLS LAST) AS pe_rank
    FROM fact f
    JOIN rule r ON r.de = f.de AND r.selection = 'last_in_period'
    JOIN query_period q
      ON q.period_type = r.period_type AND f.start_date >= q.start_date
     AND f.end_date <= q.end_date
  ) ranked
  WHERE pe_rank = 1
),
-- Partial sums per (element, query type, cell period, coc, org unit).
leaf AS (
  SELECT de, period_type, cp, coc, ou, COUNT(*) AS n, SUM(value) AS s, SUM(value * value) AS ss,
         MIN(value) AS mn, MAX(value) AS mx, SUM(value_x_days) AS svd, SUM(days) AS sd
  FROM (
    SELECT de, period_type, cp, coc, ou, value, days, value_x_days FROM member
    UNION ALL
    SELECT de, period_type, cp, coc, ou, value, days, value_x_days FROM winner
    WHERE NOT ranks_across
  ) v
  GROUP BY de, period_type, cp, coc, ou
),
-- The grains, per org unit; MIN_SUM_ORG_UNIT takes the unit's minimum over the period
-- (MAX_SUM_ORG_UNIT its maximum) and sums those (getMinOrMaxValueSubquerySql).
unit_cell AS (
  SELECT l.de, l.period_type, l.cp, g.g_coc, g.g_category, g.g_option, l.ou, SUM(l.n) AS n,
         SUM(l.s) AS s, SUM(l.ss) AS ss, MIN(l.mn) AS mn, MAX(l.mx) AS mx, SUM(l.svd) AS svd,
         SUM(l.sd) AS sd
  FROM leaf l
  JOIN grain g ON g.coc = l.coc
  GROUP BY l.de, l.period_type, l.cp, g.g_coc, g.g_category, g.g_option, l.ou
),
unit_level AS (
  SELECT c.de, c.period_type, c.cp, c.g_coc, c.g_category, c.g_option, u.level1_uid, u.level2_uid, u.level3_uid, u.level4_uid, u.level5_uid, u.level6_uid, u.level7_uid, u.level8_uid,
         c.n, c.s, c.ss, c.mn, c.mx, c.svd, c.sd
  FROM unit_cell c
  JOIN unit u ON u.ou = c.ou
),
-- Every org-unit level: level k groups the units below each level-k unit (and the unit itself), as
-- a query for that unit's uidlevelk (one GROUP BY per level: cheaper than GROUPING SETS here).
level_cell AS (
  SELECT de, period_type, cp, g_coc, g_category, g_option, level1_uid, CAST(NULL AS VARCHAR) AS level2_uid, CAST(NULL AS VARCHAR) AS level3_uid, CAST(NULL AS VARCHAR) AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS VARCHAR) AS level8_uid,
         SUM(n) AS n, SUM(s) AS s, SUM(ss) AS ss, MIN(mn) AS mn, MAX(mx) AS mx, SUM(svd) AS svd,
         SUM(sd) AS sd, SUM(mn) AS sum_mn, SUM(mx) AS sum_mx
  FROM unit_level WHERE level1_uid IS NOT NULL
  GROUP BY de, period_type, cp, g_coc, g_category, g_option, level1_uid
  UNION ALL
  SELECT de, period_type, cp, g_coc, g_category, g_option, CAST(NULL AS VARCHAR) AS level1_uid, level2_uid, CAST(NULL AS VARCHAR) AS level3_uid, CAST(NULL AS VARCHAR) AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS VARCHAR) AS level8_uid,
         SUM(n) AS n, SUM(s) AS s, SUM(ss) AS ss, MIN(mn) AS mn, MAX(mx) AS mx, SUM(svd) AS svd,
         SUM(sd) AS sd, SUM(mn) AS sum_mn, SUM(mx) AS sum_mx
  FROM unit_level WHERE level2_uid IS NOT NULL
  GROUP BY de, period_type, cp, g_coc, g_category, g_option, level2_uid
  UNION ALL
  SELECT de, period_type, cp, g_coc, g_category, g_option, CAST(NULL AS VARCHAR) AS level1_uid, CAST(NULL AS VARCHAR) AS level2_uid, level3_uid, CAST(NULL AS VARCHAR) AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS VARCHAR) AS level8_uid,
         SUM(n) AS n, SUM(s) AS s, SUM(ss) AS ss, MIN(mn) AS mn, MAX(mx) AS mx, SUM(svd) AS svd,
         SUM(sd) AS sd, SUM(mn) AS sum_mn, SUM(mx) AS sum_mx
  FROM unit_level WHERE level3_uid IS NOT NULL
  GROUP BY de, period_type, cp, g_coc, g_category, g_option, level3_uid
  UNION ALL
  SELECT de, period_type, cp, g_coc, g_category, g_option, CAST(NULL AS VARCHAR) AS level1_uid, CAST(NULL AS VARCHAR) AS level2_uid, CAST(NULL AS VARCHAR) AS level3_uid, level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS VARCHAR) AS level8_uid,
         SUM(n) AS n, SUM(s) AS s, SUM(ss) AS ss, MIN(mn) AS mn, MAX(mx) AS mx, SUM(svd) AS svd,
         SUM(sd) AS sd, SUM(mn) AS sum_mn, SUM(mx) AS sum_mx
  FROM unit_level WHERE level4_uid IS NOT NULL
  GROUP BY de, period_type, cp, g_coc, g_category, g_option, level4_uid
  UNION ALL
  SELECT de, period_type, cp, g_coc, g_category, g_option, CAST(NULL AS VARCHAR) AS level1_uid, CAST(NULL AS VARCHAR) AS level2_uid, CAST(NULL AS VARCHAR) AS level3_uid, CAST(NULL AS VARCHAR) AS level4_uid, level5_uid, CAST(NULL AS VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS VARCHAR) AS level8_uid,
         SUM(n) AS n, SUM(s) AS s, SUM(ss) AS ss, MIN(mn) AS mn, MAX(mx) AS mx, SUM(svd) AS svd,
         SUM(sd) AS sd, SUM(mn) AS sum_mn, SUM(mx) AS sum_mx
  FROM unit_level WHERE level5_uid IS NOT NULL
  GROUP BY de, period_type, cp, g_coc, g_category, g_option, level5_uid
  UNION ALL
  SELECT de, period_type, cp, g_coc, g_category, g_option, CAST(NULL AS VARCHAR) AS level1_uid, CAST(NULL AS VARCHAR) AS level2_uid, CAST(NULL AS VARCHAR) AS level3_uid, CAST(NULL AS VARCHAR) AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS VARCHAR) AS level8_uid,
         SUM(n) AS n, SUM(s) AS s, SUM(ss) AS ss, MIN(mn) AS mn, MAX(mx) AS mx, SUM(svd) AS svd,
         SUM(sd) AS sd, SUM(mn) AS sum_mn, SUM(mx) AS sum_mx
  FROM unit_level WHERE level6_uid IS NOT NULL
  GROUP BY de, period_type, cp, g_coc, g_category, g_option, level6_uid
  UNION ALL
  SELECT de, period_type, cp, g_coc, g_category, g_option, CAST(NULL AS VARCHAR) AS level1_uid, CAST(NULL AS VARCHAR) AS level2_uid, CAST(NULL AS VARCHAR) AS level3_uid, CAST(NULL AS VARCHAR) AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS VARCHAR) AS level6_uid, level7_uid, CAST(NULL AS VARCHAR) AS level8_uid,
         SUM(n) AS n, SUM(s) AS s, SUM(ss) AS ss, MIN(mn) AS mn, MAX(mx) AS mx, SUM(svd) AS svd,
         SUM(sd) AS sd, SUM(mn) AS sum_mn, SUM(mx) AS sum_mx
  FROM unit_level WHERE level7_uid IS NOT NULL
  GROUP BY de, period_type, cp, g_coc, g_category, g_option, level7_uid
  UNION ALL
  SELECT de, period_type, cp, g_coc, g_category, g_option, CAST(NULL AS VARCHAR) AS level1_uid, CAST(NULL AS VARCHAR) AS level2_uid, CAST(NULL AS VARCHAR) AS level3_uid, CAST(NULL AS VARCHAR) AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, level8_uid,
         SUM(n) AS n, SUM(s) AS s, SUM(ss) AS ss, MIN(mn) AS mn, MAX(mx) AS mx, SUM(svd) AS svd,
         SUM(sd) AS sd, SUM(mn) AS sum_mn, SUM(mx) AS sum_mx
  FROM unit_level WHERE level8_uid IS NOT NULL
  GROUP BY de, period_type, cp, g_coc, g_category, g_option, level8_uid
),
-- The days of each cell period: the query period's, or the data period's when disaggregated.
cell_period AS (
  SELECT period_type, pe AS cp, days, FALSE AS disaggregated FROM query_period
  UNION ALL
  SELECT DISTINCT period_type, data_pe, data_days, TRUE FROM disaggregation_period
),
cell AS (
  SELECT c.de, c.period_type, c.cp, r.disaggregation AS disaggregated, c.g_coc, c.g_category,
         c.g_option,
         COALESCE(c.level8_uid, c.level7_uid, c.level6_uid, c.level5_uid, c.level4_uid,
                  c.level3_uid, c.level2_uid, c.level1_uid) AS ou,
         CASE WHEN c.level1_uid IS NOT NULL THEN 1 WHEN c.level2_uid IS NOT NULL THEN 2
              WHEN c.level3_uid IS NOT NULL THEN 3 WHEN c.level4_uid IS NOT NULL THEN 4
              WHEN c.level5_uid IS NOT NULL THEN 5 WHEN c.level6_uid IS NOT NULL THEN 6
              WHEN c.level7_uid IS NOT NULL THEN 7 ELSE 8 END AS ou_level,
         c.n,
         CASE
           WHEN r.selection = 'min_max' THEN CASE WHEN r.min_max = 'min' THEN c.sum_mn ELSE c.sum_mx END
           WHEN r.formula = 'days_weighted' THEN c.svd / p.days
           WHEN r.formula = 'percent_of_days' THEN CASE WHEN c.sd > 0 THEN c.svd / c.sd * 100 END
           WHEN r.formula = 'avg' THEN c.s / c.n
           WHEN r.formula = 'count' THEN CAST(c.n AS DOUBLE)
           WHEN r.formula = 'stddev_samp' THEN
             CASE WHEN c.n > 1 THEN SQRT(CASE WHEN c.ss - c.s * c.s / c.n > 0
                                              THEN (c.ss - c.s * c.s / c.n) / (c.n - 1)
                                              ELSE 0 END) END
           WHEN r.formula = 'var_samp' THEN
             CASE WHEN c.n > 1 THEN CASE WHEN c.ss - c.s * c.s / c.n > 0
                                         THEN (c.ss - c.s * c.s / c.n) / (c.n - 1)
                                         ELSE 0 END END
           WHEN r.formula = 'min' THEN c.mn
           WHEN r.formula = 'max' THEN c.mx
           WHEN r.formula = 'single' THEN CASE WHEN c.mn = c.mx THEN c.mn END
           ELSE c.s
         END AS value
  FROM level_cell c
  JOIN rule r ON r.de = c.de AND r.period_type = c.period_type
  JOIN cell_period p
    ON p.period_type = c.period_type AND p.cp = c.cp AND p.disaggregated = r.disaggregation
),
-- LAST_LAST_ORG_UNIT and FIRST_FIRST_ORG_UNIT: one value for the whole cell, the latest (earliest)
-- of the units' own, ties broken by org unit, coc and aoc (DHIS2 leaves them to the database).
across AS (
  SELECT de, period_type, cp, FALSE AS disaggregated, g_coc, g_category, g_option, ou, ou_level,
         1 AS n, value
  FROM (
    SELECT w.de, w.period_type, w.cp, g.g_coc, g.g_category, g.g_option,
           CASE lv.level WHEN 1 THEN u.level1_uid WHEN 2 THEN u.level2_uid WHEN 3 THEN u.level3_uid WHEN 4 THEN u.level4_uid WHEN 5 THEN u.level5_uid WHEN 6 THEN u.level6_uid WHEN 7 THEN u.level7_uid WHEN 8 THEN u.level8_uid END AS ou, lv.level AS ou_level, w.value,
           ROW_NUMBER() OVER (
             PARTITION BY w.de, w.period_type, w.cp, g.g_coc, g.g_category, g.g_option, lv.level,
                          CASE lv.level WHEN 1 THEN u.level1_uid WHEN 2 THEN u.level2_uid WHEN 3 THEN u.level3_uid WHEN 4 THEN u.level4_uid WHEN 5 THEN u.level5_uid WHEN 6 THEN u.level6_uid WHEN 7 THEN u.level7_uid WHEN 8 THEN u.level8_uid END
             ORDER BY CASE WHEN w.selection = 'last' THEN w.end_date END DESC NULLS LAST,
                      CASE WHEN w.selection = 'last' THEN w.start_date END DESC NULLS LAST,
                      CASE WHEN w.selection = 'first' THEN w.end_date END ASC NULLS LAST,
                      CASE WHEN w.selection = 'first' THEN w.start_date END ASC NULLS LAST,
                      w.ou ASC NULLS LAST, w.coc ASC NULLS LAST, w.aoc ASC NULLS LAST) AS cell_rank
    FROM winner w
    JOIN unit u ON u.ou = w.ou
    JOIN grain g ON g.coc = w.coc
    CROSS JOIN (VALUES (1), (2), (3), (4), (5), (6), (7), (8)) AS lv(level)
    WHERE w.ranks_across AND CASE lv.level WHEN 1 THEN u.level1_uid WHEN 2 THEN u.level2_uid WHEN 3 THEN u.level3_uid WHEN 4 THEN u.level4_uid WHEN 5 THEN u.level5_uid WHEN 6 THEN u.level6_uid WHEN 7 THEN u.level7_uid WHEN 8 THEN u.level8_uid END IS NOT NULL
  ) ranked
  WHERE cell_rank = 1
),
all_cell AS (
  SELECT * FROM cell
  UNION ALL
  SELECT * FROM across
),
-- Disaggregated cells are copied from the data period to every query period it maps to; a
-- financial year fed by two data years takes their weighted average
-- (replaceDataPeriodsWithAggregationPeriods, AnalyticsUtils.calculateYearlyWeightedAverage).
result AS (
  SELECT de, period_type, cp AS pe, g_coc, g_category, g_option, ou, ou_level, n, value
  FROM all_cell
  WHERE NOT disaggregated
  UNION ALL
  SELECT c.de, c.period_type, d.pe, c.g_coc, c.g_category, c.g_option, c.ou, c.ou_level,
         SUM(c.n),
         CASE WHEN COUNT(*) = 2 THEN SUM(c.value * d.weight) ELSE MAX(c.value) END
  FROM all_cell c
  JOIN disaggregation_period d ON d.period_type = c.period_type AND d.data_pe = c.cp
  WHERE c.disaggregated AND c.value IS NOT NULL
  GROUP BY c.de, c.period_type, d.pe, c.g_coc, c.g_category, c.g_option, c.ou, c.ou_level
)
SELECT r.de, r.g_coc AS coc, r.g_category AS category, r.g_option AS category_option, r.ou,
       r.ou_level, r.pe, r.period_type, r.value, CAST(FLOOR(r.n) AS BIGINT) AS count, q.year
FROM result r
JOIN query_period q ON q.period_type = r.period_type AND q.pe = r.pe
WHERE r.value IS NOT NULL
