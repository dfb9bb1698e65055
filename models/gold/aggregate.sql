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
-- Set-based: values are summed once per (element, period, coc, org unit) into partial sums (count,
-- sum, sum of squares, min, max, sum of value x days, sum of days), the partial sums roll up to the
-- grains and then to every org-unit level in one grouping, and each formula is evaluated on them.
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
  SELECT *
  FROM ref('gold.analytics')
  WHERE value IS NOT NULL
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
  SELECT coc, CAST(NULL AS VARCHAR), category, category_option
  FROM ref('silver.category_option_combo_option')
),
-- Values of the 'all' and 'min_max' selections in their cell period: the query period the value's
-- period belongs to (period structure), or, when the query disaggregates, the data period it
-- belongs to (the cell is computed there and copied to the query periods below).
member AS (
  SELECT m.*, q.days AS cp_days
  FROM (
    SELECT f.de, f.coc, f.ou, f.level1_uid, f.level2_uid, f.level3_uid, f.level4_uid, f.level5_uid, f.level6_uid, f.level7_uid, f.level8_uid, f.value, f.days, f.value_x_days,
           r.period_type, r.selection, r.formula, FALSE AS disaggregated,
           CASE r.period_type
             WHEN 'Daily' THEN f.daily WHEN 'Weekly' THEN f.weekly
             WHEN 'WeeklyWednesday' THEN f.weeklywednesday WHEN 'WeeklyThursday' THEN f.weeklythursday
             WHEN 'WeeklyFriday' THEN f.weeklyfriday WHEN 'WeeklySaturday' THEN f.weeklysaturday
             WHEN 'WeeklySunday' THEN f.weeklysunday WHEN 'BiWeekly' THEN f.biweekly
             WHEN 'Monthly' THEN f.monthly WHEN 'BiMonthly' THEN f.bimonthly
             WHEN 'Quarterly' THEN f.quarterly WHEN 'QuarterlyNov' THEN f.quarterlynov
             WHEN 'SixMonthly' THEN f.sixmonthly WHEN 'SixMonthlyApril' THEN f.sixmonthlyapril
             WHEN 'SixMonthlyNov' THEN f.sixmonthlynov WHEN 'Yearly' THEN f.yearly
             WHEN 'FinancialFeb' THEN f.financialfeb WHEN 'FinancialApril' THEN f.financialapril
             WHEN 'FinancialJuly' THEN f.financialjuly WHEN 'FinancialAug' THEN f.financialaug
             WHEN 'FinancialSep' THEN f.financialsep WHEN 'FinancialOct' THEN f.financialoct
             WHEN 'FinancialNov' THEN f.financialnov
           END AS cp
    FROM fact f
    JOIN rule r ON r.de = f.de
    WHERE r.selection IN ('all', 'min_max') AND NOT r.disaggregation
  ) m
  JOIN query_period q ON q.period_type = m.period_type AND q.pe = m.cp
  UNION ALL
  SELECT m.*, d.data_days AS cp_days
  FROM (
    SELECT f.de, f.coc, f.ou, f.level1_uid, f.level2_uid, f.level3_uid, f.level4_uid, f.level5_uid, f.level6_uid, f.level7_uid, f.level8_uid, f.value, f.days, f.value_x_days,
           r.period_type, r.selection, r.formula, TRUE AS disaggregated,
           CASE r.data_period_type
             WHEN 'Daily' THEN f.daily WHEN 'Weekly' THEN f.weekly
             WHEN 'WeeklyWednesday' THEN f.weeklywednesday WHEN 'WeeklyThursday' THEN f.weeklythursday
             WHEN 'WeeklyFriday' THEN f.weeklyfriday WHEN 'WeeklySaturday' THEN f.weeklysaturday
             WHEN 'WeeklySunday' THEN f.weeklysunday WHEN 'BiWeekly' THEN f.biweekly
             WHEN 'Monthly' THEN f.monthly WHEN 'BiMonthly' THEN f.bimonthly
             WHEN 'Quarterly' THEN f.quarterly WHEN 'QuarterlyNov' THEN f.quarterlynov
             WHEN 'SixMonthly' THEN f.sixmonthly WHEN 'SixMonthlyApril' THEN f.sixmonthlyapril
             WHEN 'SixMonthlyNov' THEN f.sixmonthlynov WHEN 'Yearly' THEN f.yearly
             WHEN 'FinancialFeb' THEN f.financialfeb WHEN 'FinancialApril' THEN f.financialapril
             WHEN 'FinancialJuly' THEN f.financialjuly WHEN 'FinancialAug' THEN f.financialaug
             WHEN 'FinancialSep' THEN f.financialsep WHEN 'FinancialOct' THEN f.financialoct
             WHEN 'FinancialNov' THEN f.financialnov
           END AS cp
    FROM fact f
    JOIN rule r ON r.de = f.de
    WHERE r.selection IN ('all', 'min_max') AND r.disaggregation
  ) m
  JOIN (SELECT DISTINCT period_type, data_pe, data_days FROM disaggregation_period) d
    ON d.period_type = m.period_type AND d.data_pe = m.cp
),
-- LAST and FIRST: per series (de, ou, coc, aoc) in order of period end then start, the end of the
-- next value and the latest start of the earlier ones.
ranked_fact AS (
  SELECT f.de, f.coc, f.aoc, f.ou, f.level1_uid, f.level2_uid, f.level3_uid, f.level4_uid, f.level5_uid, f.level6_uid, f.level7_uid, f.level8_uid, f.start_date, f.end_date, f.value, f.days,
         f.value_x_days,
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
  SELECT s.de, s.coc, s.aoc, s.ou, s.level1_uid, s.level2_uid, s.level3_uid, s.level4_uid, s.level5_uid, s.level6_uid, s.level7_uid, s.level8_uid, s.start_date,
         s.end_date, s.value, s.days, s.value_x_days, r.period_type, r.selection, r.formula,
         r.ranks_across, q.pe AS cp, q.days AS cp_days
  FROM ranked_fact s
  JOIN rule r ON r.de = s.de AND r.selection = 'last'
  JOIN query_period q
    ON q.period_type = r.period_type AND q.end_date >= s.end_date
   AND s.start_date >= q.look_back_start
  WHERE s.next_end IS NULL OR q.end_date < s.next_end
  UNION ALL
  SELECT s.de, s.coc, s.aoc, s.ou, s.level1_uid, s.level2_uid, s.level3_uid, s.level4_uid, s.level5_uid, s.level6_uid, s.level7_uid, s.level8_uid, s.start_date,
         s.end_date, s.value, s.days, s.value_x_days, r.period_type, r.selection, r.formula,
         r.ranks_across, q.pe, q.days
  FROM ranked_fact s
  JOIN rule r ON r.de = s.de AND r.selection = 'first'
  JOIN query_period q
    ON q.period_type = r.period_type AND q.end_date >= s.end_date
   AND s.start_date >= q.look_back_start
  WHERE s.earlier_start IS NULL OR s.earlier_start < q.look_back_start
  UNION ALL
  SELECT de, coc, aoc, ou, level1_uid, level2_uid, level3_uid, level4_uid, level5_uid, level6_uid, level7_uid, level8_uid, start_date, end_date, value, days, value_x_days,
         period_type, selection, formula, ranks_across, cp, cp_days
  FROM (
    SELECT f.de, f.coc, f.aoc, f.ou, f.level1_uid, f.level2_uid, f.level3_uid, f.level4_uid, f.level5_uid, f.level6_uid, f.level7_uid, f.level8_uid, f.start_date, f.end_date, f.value, f.days,
           f.value_x_days, r.period_type, r.selection, r.formula, r.ranks_across, q.pe AS cp,
           q.days AS cp_days,
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
-- Partial sums per (element, cell period, coc, org unit).
leaf AS (
  SELECT de, period_type, cp, cp_days, disaggregated, selection, formula, coc, ou, level1_uid, level2_uid, level3_uid, level4_uid, level5_uid, level6_uid, level7_uid, level8_uid,
         COUNT(*) AS n, SUM(value) AS s, SUM(value * value) AS ss, MIN(value) AS mn,
         MAX(value) AS mx, SUM(value_x_days) AS svd, SUM(days) AS sd
  FROM (
    SELECT de, period_type, cp, cp_days, disaggregated, selection, formula, coc, ou, level1_uid, level2_uid, level3_uid, level4_uid, level5_uid, level6_uid, level7_uid, level8_uid,
           value, days, value_x_days
    FROM member
    UNION ALL
    SELECT de, period_type, cp, cp_days, FALSE, selection, formula, coc, ou, level1_uid, level2_uid, level3_uid, level4_uid, level5_uid, level6_uid, level7_uid, level8_uid,
           value, days, value_x_days
    FROM winner
    WHERE NOT ranks_across
  ) v
  GROUP BY de, period_type, cp, cp_days, disaggregated, selection, formula, coc, ou, level1_uid, level2_uid, level3_uid, level4_uid, level5_uid, level6_uid, level7_uid, level8_uid
),
-- The grains, per org unit; `extreme` is MIN_SUM_ORG_UNIT's minimum (MAX_SUM_ORG_UNIT's
-- maximum) over the unit's values in the period (getMinOrMaxValueSubquerySql), summed next.
unit_cell AS (
  SELECT l.de, l.period_type, l.cp, l.cp_days, l.disaggregated, l.selection, l.formula, g.g_coc,
         g.g_category, g.g_option, l.ou, l.level1_uid, l.level2_uid, l.level3_uid, l.level4_uid, l.level5_uid, l.level6_uid, l.level7_uid, l.level8_uid,
         SUM(l.n) AS n, SUM(l.s) AS s, SUM(l.ss) AS ss, MIN(l.mn) AS mn, MAX(l.mx) AS mx,
         SUM(l.svd) AS svd, SUM(l.sd) AS sd,
         CASE WHEN MIN(r.min_max) = 'min' THEN MIN(l.mn) ELSE MAX(l.mx) END AS extreme
  FROM leaf l
  JOIN grain g ON g.coc = l.coc
  JOIN rule r ON r.de = l.de AND r.period_type = l.period_type
  GROUP BY l.de, l.period_type, l.cp, l.cp_days, l.disaggregated, l.selection, l.formula, g.g_coc,
           g.g_category, g.g_option, l.ou, l.level1_uid, l.level2_uid, l.level3_uid, l.level4_uid, l.level5_uid, l.level6_uid, l.level7_uid, l.level8_uid
),
-- Every org-unit level at once: the grouping set of level k groups the units below each level-k
-- unit (and the unit itself), as a query for that unit's uidlevelk.
level_cell AS (
  SELECT de, period_type, cp, cp_days, disaggregated, selection, formula, g_coc, g_category, g_option, level1_uid, level2_uid, level3_uid, level4_uid, level5_uid, level6_uid, level7_uid, level8_uid,
         SUM(n) AS n, SUM(s) AS s, SUM(ss) AS ss, MIN(mn) AS mn, MAX(mx) AS mx, SUM(svd) AS svd,
         SUM(sd) AS sd, SUM(extreme) AS extreme
  FROM unit_cell
  GROUP BY GROUPING SETS (
    (de, period_type, cp, cp_days, disaggregated, selection, formula, g_coc, g_category, g_option, level1_uid),
    (de, period_type, cp, cp_days, disaggregated, selection, formula, g_coc, g_category, g_option, level2_uid),
    (de, period_type, cp, cp_days, disaggregated, selection, formula, g_coc, g_category, g_option, level3_uid),
    (de, period_type, cp, cp_days, disaggregated, selection, formula, g_coc, g_category, g_option, level4_uid),
    (de, period_type, cp, cp_days, disaggregated, selection, formula, g_coc, g_category, g_option, level5_uid),
    (de, period_type, cp, cp_days, disaggregated, selection, formula, g_coc, g_category, g_option, level6_uid),
    (de, period_type, cp, cp_days, disaggregated, selection, formula, g_coc, g_category, g_option, level7_uid),
    (de, period_type, cp, cp_days, disaggregated, selection, formula, g_coc, g_category, g_option, level8_uid))
),
cell AS (
  SELECT de, period_type, cp, cp_days, disaggregated, g_coc, g_category, g_option,
         COALESCE(level8_uid, level7_uid, level6_uid, level5_uid, level4_uid, level3_uid,
                  level2_uid, level1_uid) AS ou,
         CASE WHEN level1_uid IS NOT NULL THEN 1 WHEN level2_uid IS NOT NULL THEN 2
              WHEN level3_uid IS NOT NULL THEN 3 WHEN level4_uid IS NOT NULL THEN 4
              WHEN level5_uid IS NOT NULL THEN 5 WHEN level6_uid IS NOT NULL THEN 6
              WHEN level7_uid IS NOT NULL THEN 7 ELSE 8 END AS ou_level,
         n,
         CASE
           WHEN selection = 'min_max' THEN extreme
           WHEN formula = 'days_weighted' THEN svd / cp_days
           WHEN formula = 'percent_of_days' THEN CASE WHEN sd > 0 THEN svd / sd * 100 END
           WHEN formula = 'avg' THEN s / n
           WHEN formula = 'count' THEN CAST(n AS DOUBLE)
           WHEN formula = 'stddev_samp' THEN
             CASE WHEN n > 1 THEN SQRT(CASE WHEN ss - s * s / n > 0 THEN (ss - s * s / n) / (n - 1)
                                            ELSE 0 END) END
           WHEN formula = 'var_samp' THEN
             CASE WHEN n > 1 THEN CASE WHEN ss - s * s / n > 0 THEN (ss - s * s / n) / (n - 1)
                                       ELSE 0 END END
           WHEN formula = 'min' THEN mn
           WHEN formula = 'max' THEN mx
           WHEN formula = 'single' THEN CASE WHEN mn = mx THEN mn END
           ELSE s
         END AS value
  FROM level_cell
  WHERE COALESCE(level8_uid, level7_uid, level6_uid, level5_uid, level4_uid, level3_uid,
                 level2_uid, level1_uid) IS NOT NULL
),
-- LAST_LAST_ORG_UNIT and FIRST_FIRST_ORG_UNIT: one value for the whole cell, the latest (earliest)
-- of the units' own, ties broken by org unit, coc and aoc (DHIS2 leaves them to the database).
across AS (
  SELECT de, period_type, cp, cp_days, FALSE AS disaggregated, g_coc, g_category, g_option, ou,
         ou_level, 1 AS n, value
  FROM (
    SELECT w.de, w.period_type, w.cp, w.cp_days, g.g_coc, g.g_category, g.g_option,
           CASE lv.level WHEN 1 THEN w.level1_uid WHEN 2 THEN w.level2_uid WHEN 3 THEN w.level3_uid WHEN 4 THEN w.level4_uid WHEN 5 THEN w.level5_uid WHEN 6 THEN w.level6_uid WHEN 7 THEN w.level7_uid WHEN 8 THEN w.level8_uid END AS ou, lv.level AS ou_level, w.value,
           ROW_NUMBER() OVER (
             PARTITION BY w.de, w.period_type, w.cp, g.g_coc, g.g_category, g.g_option, lv.level,
                          CASE lv.level WHEN 1 THEN w.level1_uid WHEN 2 THEN w.level2_uid WHEN 3 THEN w.level3_uid WHEN 4 THEN w.level4_uid WHEN 5 THEN w.level5_uid WHEN 6 THEN w.level6_uid WHEN 7 THEN w.level7_uid WHEN 8 THEN w.level8_uid END
             ORDER BY CASE WHEN w.selection = 'last' THEN w.end_date END DESC NULLS LAST,
                      CASE WHEN w.selection = 'last' THEN w.start_date END DESC NULLS LAST,
                      CASE WHEN w.selection = 'first' THEN w.end_date END ASC NULLS LAST,
                      CASE WHEN w.selection = 'first' THEN w.start_date END ASC NULLS LAST,
                      w.ou ASC NULLS LAST, w.coc ASC NULLS LAST, w.aoc ASC NULLS LAST) AS cell_rank
    FROM winner w
    JOIN grain g ON g.coc = w.coc
    CROSS JOIN (VALUES (1), (2), (3), (4), (5), (6), (7), (8)) AS lv(level)
    WHERE w.ranks_across AND CASE lv.level WHEN 1 THEN w.level1_uid WHEN 2 THEN w.level2_uid WHEN 3 THEN w.level3_uid WHEN 4 THEN w.level4_uid WHEN 5 THEN w.level5_uid WHEN 6 THEN w.level6_uid WHEN 7 THEN w.level7_uid WHEN 8 THEN w.level8_uid END IS NOT NULL
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
