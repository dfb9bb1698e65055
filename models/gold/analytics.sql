-- DHIS2's analytics table (JdbcAnalyticsTableManager.populateTable), one row per data value that
-- analytics loads (docs/gold_aggregate.md):
--   * data elements of domain AGGREGATE only;
--   * numeric and boolean value types with a value (silver left invalid ones NULL), text and date
--     types with a text;
--   * a stored numeric zero (the exact text '0') only for AVERAGE and AVERAGE_SUM_ORG_UNIT, or
--     with zeroIsSignificant and the setting keyIncludeZeroValuesInAnalytics
--     (generated('analytics_zero_rule'), dhis2::KeepsZero);
-- with the org-unit structure of the unit's current version (level1_uid .. level8_uid, its level),
-- the period structure (one column per period type: the period of that type the value's period
-- belongs to, from silver.period; the own type's column is the period itself), one column per
-- category holding the option of the value's coc or aoc (generated('analytics_category_columns')),
-- days of the period and value x days. The values are silver's and the predictions
-- gold.predicted_value marks in_analytics (DHIS2 stores predictions as ordinary data values; a
-- prediction replaces the stored value of its key, or not: docs/predictors.md; never both).
-- Partitioned by year; a change to silver.data_value or gold.predicted_value recomputes only the
-- years it touches (materialized: partitioned, docs/models.md).
-- A changed dimension row (a period added, an org unit moved, a value type changed) reaches only the
-- years holding values that reference it (recompute_on). Each row comes from one data value
-- (append_inputs): values only appended to silver.data_value (a newly arrived month), which no
-- changed dimension row reaches among the older values, append their rows; the files stay. The
-- predictions that arrive with the month join them (append_key): gold.predicted_value's year
-- rewritten with the same rows and some more, whose keys, like the new values', are no key of a
-- value or prediction the year held (a prediction replaces the stored value of its key).
-- Every per-element, per-unit and per-period answer is computed once on its small table (element,
-- org_unit, period) and the values join them: no expression runs per value but value x days.
-- materialized: partitioned
-- partition_by: year
-- partition_inputs: silver.data_value, gold.predicted_value
-- append_inputs: silver.data_value
-- append_key: de, coc, aoc, ou, pe
-- recompute_on: silver.period.pe = pe
-- recompute_on: silver.org_unit.uid = ou
-- recompute_on: silver.data_element.uid = de
-- recompute_on: silver.category_option_combo.uid = coc
-- recompute_on: silver.category_option_combo.uid = aoc
-- expect: days_positive | days > 0 | warn
-- The text columns taken from a dimension (the element, the unit and its levels, the period, its
-- type and structure, the options of the combos) are cast there, once per dimension row, to the
-- dictionary of the column's values (generated('text_dictionary'), an ENUM in DuckDB of up to 4,096
-- values). The values carry it through the joins and the Parquet writer writes each row group's
-- dictionary from it instead of hashing every row's text; the table's columns stay text
-- (docs/delta.md, "Text columns written from a dictionary").
WITH
value_type AS (generated('analytics_value_types')),
zero_rule AS (generated('analytics_zero_rule')),
element AS (
  SELECT d.uid, CAST(d.uid AS generated('text_dictionary', 'silver.data_element', 'uid')) AS de,
         t.data_type, z.keeps_zero
  FROM ref('silver.data_element') d
  JOIN value_type t ON t.value_type = d.value_type
  JOIN zero_rule z
    ON z.aggregation_type = COALESCE(d.aggregation_type, 'SUM')
   AND z.zero_is_significant = COALESCE(d.zero_is_significant, FALSE)
  WHERE COALESCE(d.domain_type, 'AGGREGATE') = 'AGGREGATE'
),
org_unit AS (
  SELECT uid, CAST(uid AS generated('text_dictionary', 'silver.org_unit', 'uid')) AS ou, level,
         generated('analytics_level_columns')
  FROM ref('silver.org_unit')
  WHERE valid_to IS NULL
),
-- The values: the stored ones but those a prediction replaces, and those predictions (value and
-- text as DHIS2 stores them, already rounded by gold.predicted_value: docs/predictors.md).
data_value AS (
  SELECT s.de, s.coc, s.aoc, s.ou, s.pe, s.period_type, s.start_date, s.end_date, s.value,
         s.value_text, s.year
  FROM ref('silver.data_value') s
  LEFT JOIN (SELECT de, coc, aoc, ou, pe FROM ref('gold.predicted_value') WHERE in_analytics) q
    ON q.de = s.de AND q.coc = s.coc AND q.aoc = s.aoc AND q.ou = s.ou AND q.pe = s.pe
  WHERE q.de IS NULL
  UNION ALL
  SELECT de, coc, aoc, ou, pe, period_type, start_date, end_date, value, value_text, year
  FROM ref('gold.predicted_value')
  WHERE in_analytics
),
-- The option combos with their category columns (the value's coc as c, its aoc as a).
combo AS (
  SELECT generated('analytics_combo_columns')
  FROM ref('silver.category_option_combo')
),
-- The period structure, one row per period (silver.data_value's period_type is its period's).
period AS (
  SELECT p.pe, CAST(p.pe AS generated('text_dictionary', 'silver.period', 'pe')) AS pe_text,
         CAST(p.period_type AS generated('text_dictionary', 'silver.period', 'period_type'))
           AS period_type,
         p.days, generated('analytics_period_columns')
  FROM ref('silver.period') p
)
SELECT e.de, v.coc, v.aoc, o.ou, p.pe_text AS pe, o.level, o.level1_uid, o.level2_uid,
       o.level3_uid, o.level4_uid, o.level5_uid, o.level6_uid, o.level7_uid, o.level8_uid,
       p.period_type, v.start_date, v.end_date,
       p.daily, p.weekly, p.weeklywednesday, p.weeklythursday, p.weeklyfriday, p.weeklysaturday,
       p.weeklysunday, p.biweekly, p.monthly, p.bimonthly, p.quarterly, p.quarterlynov,
       p.sixmonthly, p.sixmonthlyapril, p.sixmonthlynov, p.yearly, p.financialfeb,
       p.financialapril, p.financialjuly, p.financialaug, p.financialsep, p.financialoct,
       p.financialnov
       generated('analytics_category_columns'),
       v.value, v.value_text, p.days, v.value * p.days AS value_x_days, v.year
FROM data_value v
JOIN element e ON e.uid = v.de
JOIN org_unit o ON o.uid = v.ou
JOIN period p ON p.pe = v.pe
LEFT JOIN combo c ON c.uid = v.coc
LEFT JOIN combo a ON a.uid = v.aoc
WHERE ((e.data_type <> 'TEXT' AND v.value IS NOT NULL)
       OR (e.data_type = 'TEXT' AND v.value_text IS NOT NULL))
  AND NOT (e.data_type = 'NUMERIC' AND v.value_text = '0' AND NOT e.keeps_zero)
