-- Aggregates per data element (the total with coc NULL, per category option combo, and per
-- category option with category and category_option set) x org unit at every level x period of the
-- configured types, by each data element's aggregation type exactly as DHIS2's analytics engine
-- (JdbcAnalyticsManager) answers a query for that cell; the rules and their dhis2-core sources
-- are in docs/gold_aggregate.md. Per-option rows are written where the rule does not combine
-- across option combos, and for data-dimension categories above the deepest level; the analytics
-- API combines the others from the option-combo rows (docs/gold_aggregate.md, "Grains").
-- `aoc` is NULL on every row over all attribute option combos; rows with an aoc exist only for the
-- (element, aoc) pairs an indicator's operand #{de.coc.aoc} or #{de.*.aoc} references, each pair
-- computed as one more element over that aoc's values (element_key; docs/gold_aggregate.md, "Per
-- attribute option combo rows"). The rules themselves come from src/dhis2/aggregation_type.h
-- through generators (src/pipeline/aggregate_generators.h):
--   aggregate_aoc_elements    the (element, aoc) pairs indicators reference
--   aggregate_rules           per data element and query period type: the time selection
--                             (GetTimeSelection), the outer aggregate (AggregateValueSql), whether
--                             LAST/FIRST rank across org units (RanksAcrossOrgUnits) and whether
--                             the query disaggregates (IsDisaggregation)
--   aggregate_query_periods   the periods of the query types over the data's dates, with the
--                             10-year look-back start of LAST and FIRST
--   aggregate_disaggregation_periods  which data period(s) a disaggregated query period takes its
--                             value from, with the weight of DHIS2's yearly weighted average
--   aggregate_period_map      each data period's period of every type the rules need (the
--                             period structure as a small table)
--   aggregate_level_cells     the level-by-level roll-up of the per-unit cells
--   aggregate_cell_value      the outer aggregate of each rule evaluated on a cell's partial sums
-- Set-based, in this order: the scope first (only cell periods of the years this run computes),
-- values summed once per (element, cell period, grain, org unit) into partial sums (count, sum,
-- sum of squares, min, max, sum of value x days, sum of days): each option combo's own grain, and
-- for MIN/MAX_SUM_ORG_UNIT elements each unit's total and option grains too; then up the
-- hierarchy one level at a time (level k = its children's cells grouped by parent, with the
-- values stored on level-k units themselves), and each formula evaluated on the partial sums.
-- Inside the query every key is an integer (element, cell period, option combo, grain, org unit:
-- dense 32-bit ids numbered here, half the width of ROW_NUMBER's BIGINT in every hash table; the
-- FLOOR() of an integer is the integer, and the shared subset wants it in an integer CAST); uids
-- come back only in the published columns, each but the element cast once per dimension row to the
-- dictionary of its values (generated('text_dictionary'), 'aggregate_period_dictionary',
-- 'period_type_dictionary': an ENUM in DuckDB), which the Parquet writer writes each row group's
-- dictionary from instead of hashing every row's text (docs/delta.md).
-- Partitioned by the year the query period ends in: every value a cell reads starts in that year
-- or before (a week or a financial year ending in it may start in the year before; LAST and FIRST
-- look back ten years), so a changed year of gold.analytics recomputes that year and the ten after
-- it (partition_window), never an earlier one: a new month rewrites its own year alone. The rules
-- other than LAST and FIRST read only the year and the one before (fact); LAST and FIRST read the
-- look-back apart (look_back_fact).
-- materialized: partitioned
-- partition_by: year
-- partition_inputs: gold.analytics
-- partition_window: -10, 0
-- Elements are independent: a row of element `de` reads only gold.analytics rows of that element
-- (its per-aoc keys too), so a run too large for the memory limit computes buckets of elements
-- apart (docs/models.md, batch_by; batch_row_bytes measured in docs/gold_aggregate.md).
-- batch_by: de
-- batch_row_bytes: 500
-- depends_on: silver.data_element, silver.data_set, silver.data_set_element, silver.org_unit, silver.category, silver.indicator
-- expect: value_is_number | value = value | warn
WITH
rule AS (generated('aggregate_rules')),
-- The (element, attribute option combo) pairs some indicator's operand #{de.coc.aoc} or
-- #{de.*.aoc} references (aggregate_aoc_elements): the only ones with per-aoc rows.
aoc_element AS (generated('aggregate_aoc_elements')),
query_period AS (generated('aggregate_query_periods')),
disaggregation_period AS (generated('aggregate_disaggregation_periods')),
period_map AS (generated('aggregate_period_map')),
-- The cell periods this run computes, numbered: the query periods (with their year), and the data
-- periods disaggregated queries take their value from, with their days.
cell_period AS (
  SELECT period_type, cp, days, disaggregated, year,
         CASE WHEN NOT disaggregated
           THEN CAST(cp AS generated('aggregate_period_dictionary')) END AS pe_text,
         CAST(period_type AS generated('period_type_dictionary')) AS period_type_text,
         CAST(FLOOR(ROW_NUMBER() OVER (ORDER BY period_type NULLS LAST, cp NULLS LAST,
                                       disaggregated NULLS LAST)) AS INTEGER) AS cp_id
  FROM (
    SELECT period_type, pe AS cp, days, FALSE AS disaggregated, year FROM query_period
    UNION ALL
    SELECT DISTINCT period_type, data_pe, data_days, TRUE, NULL
    FROM disaggregation_period
  ) p
),
-- The aggregatable elements; per_unit_grains for those whose rule sums each unit's own minimum or
-- maximum (MIN/MAX_SUM_ORG_UNIT): their total and per-option grains are taken per unit before the
-- roll-up; every other element rolls up its option combos only (see grain_level_cell).
element AS (
  SELECT de, MAX(CASE WHEN selection = 'min_max' THEN 1 ELSE 0 END) = 1 AS per_unit_grains
  FROM rule
  GROUP BY de
),
-- The keys computed, numbered: each element over all attribute option combos (aoc NULL), and each
-- referenced (element, aoc) pair as an element of its own, over that aoc's values only: every
-- step below treats it as one more element, with the element's rules, so each rule holds per aoc
-- exactly as for the totals.
element_key AS (
  SELECT de, aoc, per_unit_grains,
         -- The element stays plain text: a run in pieces writes each piece's elements to files of
         -- their own, whose exact min/max of `de` let readers of a few elements (gold.indicator_value)
         -- skip the others' files; a dictionary's bounds would span every element.
         de AS de_text,
         CAST(FLOOR(ROW_NUMBER() OVER (ORDER BY de NULLS LAST, aoc NULLS FIRST)) AS INTEGER)
           AS de_id
  FROM (
    SELECT de, CAST(NULL AS VARCHAR) AS aoc, per_unit_grains FROM element
    UNION ALL
    SELECT e.de, a.aoc, e.per_unit_grains
    FROM element e
    JOIN aoc_element a ON a.de = e.de
  ) e
),
-- `narrow`: the rule's cells read the count and the sum alone (generated('aggregate_cell_value'):
-- 'sum', 'avg' and 'count' over every value), so leaf groups their values into those two partial
-- sums only (most DHIS2 elements are SUM: 88% of the values at medium; 1.5 of 14 CPU s).
rule_key AS (
  SELECT r.de, r.period_type, r.selection, r.formula, r.ranks_across, r.disaggregation,
         r.data_period_type, r.min_max, r.combines, e.de_id,
         r.selection = 'all' AND r.formula IN ('sum', 'avg', 'count') AS narrow
  FROM rule r
  JOIN element_key e ON e.de = r.de
),
-- The hierarchy values roll up along ([gold] hierarchy, src/pipeline/hierarchy_generator.h):
-- `ancestry`, each unit's chain of ancestors and the days it held (current: today's, always).
generated('org_unit_ancestry'),
-- The org units as nodes of that hierarchy, numbered, with their parent node and the uids of their
-- ancestors: a node is a unit under one chain of ancestors (current: each current unit once;
-- as_of_period: a unit that moved is a node under each chain it had). unit_id is the unit's first
-- node, under which its cells are published (aggregate_level_cells regroups its nodes' cells).
unit_uid AS (
  SELECT ou, CAST(ou AS generated('text_dictionary', 'silver.org_unit', 'uid')) AS ou_text,
         node, parent_node, level, level1_uid, level2_uid, level3_uid, level4_uid,
         level5_uid, level6_uid, level7_uid, level8_uid,
         CAST(FLOOR(ROW_NUMBER() OVER (ORDER BY node NULLS LAST)) AS INTEGER) AS ou_id
  FROM (
    SELECT DISTINCT uid AS ou, node, parent_node, level, level1_uid, level2_uid, level3_uid,
           level4_uid, level5_uid, level6_uid, level7_uid, level8_uid
    FROM ancestry
  ) a
),
unit AS (
  SELECT u.ou, u.ou_text, u.node, u.ou_id, MIN(u.ou_id) OVER (PARTITION BY u.ou) AS unit_id, u.level,
         p.ou_id AS parent_id, u.level1_uid, u.level2_uid, u.level3_uid, u.level4_uid,
         u.level5_uid, u.level6_uid, u.level7_uid, u.level8_uid
  FROM unit_uid u
  LEFT JOIN unit_uid p ON p.node = u.parent_node
),
-- Each unit's node on each stretch of days: a value counts at the node its unit had at the end date
-- of the value's period. Values join it through generated('org_unit_node_join'), as_of_period only:
-- under current each unit is its only node on every day, and values join `unit` on the uid (a
-- plain hash join, no validity filter per value).
unit_stretch AS (
  SELECT u.ou, u.ou_id, u.unit_id, a.valid_from, a.valid_to
  FROM ancestry a
  JOIN unit u ON u.node = a.node
),
combo_key AS (
  SELECT uid AS coc,
         CAST(FLOOR(ROW_NUMBER() OVER (ORDER BY uid NULLS LAST)) AS INTEGER) AS coc_id
  FROM ref('silver.category_option_combo')
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
grain_key AS (
  SELECT g.g_coc, g.g_category, g.g_option, g.g_category IS NOT NULL AS per_option,
         CAST(g.g_coc AS generated('text_dictionary', 'silver.category_option_combo', 'uid'))
           AS coc_text,
         CAST(g.g_category
              AS generated('text_dictionary', 'silver.category_option_combo_option', 'category'))
           AS category_text,
         CAST(g.g_option AS generated('text_dictionary', 'silver.category_option_combo_option',
                                      'category_option')) AS option_text,
         COALESCE(c.data_dimension, FALSE) AS data_dimension,
         CAST(FLOOR(ROW_NUMBER() OVER (ORDER BY g.g_coc NULLS FIRST, g.g_category NULLS FIRST,
                                       g.g_option NULLS FIRST)) AS INTEGER) AS grain_id
  FROM (SELECT DISTINCT g_coc, g_category, g_option FROM grain) g
  LEFT JOIN ref('silver.category') c ON c.uid = g.g_category
),
-- Which grains each option combo counts in; `own` is the combo's own grain (one combo each).
grain_map AS (
  SELECT c.coc_id, k.grain_id, g.g_coc IS NOT NULL AS own
  FROM grain g
  JOIN combo_key c ON c.coc = g.coc
  JOIN grain_key k
    ON COALESCE(k.g_coc, '') = COALESCE(g.g_coc, '')
   AND COALESCE(k.g_category, '') = COALESCE(g.g_category, '')
   AND COALESCE(k.g_option, '') = COALESCE(g.g_option, '')
),
-- The narrow fact: each value of gold.analytics with a value, read once, with integer keys
-- (element, option combo, org unit; aggregatable elements only) beside the period, the attribute
-- option combo, the dates, the value, its days and value x days. Every selection below reads it
-- instead of the wide table.
-- Only the values of the years this run computes and of the year before
-- (generated('aggregate_ordinary_years')); the look-backs of LAST and FIRST read the years before
-- in look_back_fact.
fact AS (
  SELECT e.de_id, c.coc_id, u.ou_id, u.unit_id, f.pe, f.period_type, f.aoc, f.start_date,
         f.end_date, f.value, f.days, f.value_x_days, e.per_unit_grains AS per_unit
  FROM (SELECT * FROM ref('gold.analytics') WHERE generated('aggregate_ordinary_years')) f
  JOIN element_key e ON e.de = f.de AND (e.aoc IS NULL OR e.aoc = f.aoc)
  JOIN combo_key c ON c.coc = f.coc
  JOIN generated('org_unit_node_join')
  WHERE f.value IS NOT NULL
),
-- The values of LAST and FIRST elements over the whole look-back (partition_window: ten years
-- before the computed ones), read apart so that the other rules read only their own years.
look_back_fact AS (
  SELECT e.de_id, c.coc_id, u.ou_id, u.unit_id, f.aoc, f.start_date, f.end_date, f.value, f.days,
         f.value_x_days, e.per_unit_grains AS per_unit
  FROM ref('gold.analytics') f
  JOIN element_key e ON e.de = f.de AND (e.aoc IS NULL OR e.aoc = f.aoc)
  JOIN combo_key c ON c.coc = f.coc
  JOIN generated('org_unit_node_join')
  WHERE f.value IS NOT NULL
    AND e.de_id IN (SELECT de_id FROM rule_key WHERE selection IN ('last', 'first'))
),
-- The elements whose values in this run have one attribute option combo and one period type:
-- gold.analytics holds one row per (de, coc, aoc, ou, pe), and periods of one type do not overlap,
-- so each cell of such an element in its values' own period holds exactly one value. Not the
-- per_unit_grains elements: leaf groups their option combos into each unit's total and options.
single_value_element AS (
  SELECT de_id
  FROM fact
  WHERE NOT per_unit
  GROUP BY de_id
  HAVING MIN(COALESCE(aoc, '')) = MAX(COALESCE(aoc, ''))
     AND MIN(COALESCE(period_type, '')) = MAX(COALESCE(period_type, ''))
),
-- Values of the 'all' and 'min_max' selections in their cell period: the query period the value's
-- period belongs to, or, when the query disaggregates, the data period it belongs to (the cell is
-- computed there and copied to the query periods below); only cell periods in scope. Two parts,
-- each read once (a CTE read twice is materialised: 10.9 M rows at medium): single_member, the
-- values that are their cell's only value (the cell is the value's own period and its element a
-- single_value_element), whose partial sums leaf relabels; member and narrow_member, the others,
-- which leaf groups (narrow_member those of narrow rules, into the count and the sum alone).
single_member AS (
  SELECT f.de_id, p.cp_id, f.coc_id, f.ou_id, f.value, f.days, f.value_x_days
  FROM fact f
  JOIN single_value_element s ON s.de_id = f.de_id
  JOIN rule_key r ON r.de_id = f.de_id AND r.selection IN ('all', 'min_max')
  JOIN period_map m
    ON m.pe = f.pe AND m.cp = f.pe
   AND m.period_type = CASE WHEN r.disaggregation THEN r.data_period_type ELSE r.period_type END
  JOIN cell_period p
    ON p.period_type = r.period_type AND p.cp = m.cp AND p.disaggregated = r.disaggregation
),
member AS (
  SELECT f.de_id, p.cp_id, f.coc_id, f.ou_id, f.value, f.days, f.value_x_days, f.per_unit
  FROM fact f
  LEFT JOIN single_value_element s ON s.de_id = f.de_id
  JOIN rule_key r ON r.de_id = f.de_id AND r.selection IN ('all', 'min_max')
  JOIN period_map m
    ON m.pe = f.pe
   AND m.period_type = CASE WHEN r.disaggregation THEN r.data_period_type ELSE r.period_type END
  JOIN cell_period p
    ON p.period_type = r.period_type AND p.cp = m.cp AND p.disaggregated = r.disaggregation
  WHERE (s.de_id IS NULL OR m.cp <> f.pe) AND NOT r.narrow
),
-- The same join as member's, written twice: one CTE of both read twice would be materialised.
narrow_member AS (
  SELECT f.de_id, p.cp_id, f.coc_id, f.ou_id, f.value, f.per_unit
  FROM fact f
  LEFT JOIN single_value_element s ON s.de_id = f.de_id
  JOIN rule_key r ON r.de_id = f.de_id AND r.selection IN ('all', 'min_max')
  JOIN period_map m
    ON m.pe = f.pe
   AND m.period_type = CASE WHEN r.disaggregation THEN r.data_period_type ELSE r.period_type END
  JOIN cell_period p
    ON p.period_type = r.period_type AND p.cp = m.cp AND p.disaggregated = r.disaggregation
  WHERE (s.de_id IS NULL OR m.cp <> f.pe) AND r.narrow
),
-- LAST and FIRST: per series (de, ou, coc, aoc; the unit, whichever node each value is at) in
-- order of period end then start, the end of the next value and the latest start of the earlier
-- ones.
ranked_fact AS (
  SELECT f.de_id, f.coc_id, f.aoc, f.ou_id, f.start_date, f.end_date, f.value, f.days,
         f.value_x_days, f.per_unit,
         LEAD(f.end_date) OVER (
           PARTITION BY f.de_id, f.unit_id, f.coc_id, f.aoc
           ORDER BY f.end_date ASC NULLS LAST, f.start_date ASC NULLS LAST) AS next_end,
         MAX(f.start_date) OVER (
           PARTITION BY f.de_id, f.unit_id, f.coc_id, f.aoc
           ORDER BY f.end_date ASC NULLS LAST, f.start_date ASC NULLS LAST
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_start
  FROM look_back_fact f
),
-- The value each series contributes to a query period (JdbcAnalyticsManager
-- getFirstOrLastValueSubquerySql, pe_rank = 1): among values with start >= query end - 10 years
-- and end <= query end, LAST the latest (the value is the latest until the next one ends), FIRST
-- the earliest (no earlier value starts inside the window); LAST_IN_PERIOD the latest of those
-- inside the query period.
winner AS (
  SELECT s.de_id, s.coc_id, s.aoc, s.ou_id, s.start_date, s.end_date, s.value, s.days,
         s.value_x_days, s.per_unit, r.period_type, r.selection, r.ranks_across, q.pe AS cp
  FROM ranked_fact s
  JOIN rule_key r ON r.de_id = s.de_id AND r.selection = 'last'
  JOIN query_period q
    ON q.period_type = r.period_type AND q.end_date >= s.end_date
   AND s.start_date >= q.look_back_start
  WHERE s.next_end IS NULL OR q.end_date < s.next_end
  UNION ALL
  SELECT s.de_id, s.coc_id, s.aoc, s.ou_id, s.start_date, s.end_date, s.value, s.days,
         s.value_x_days, s.per_unit, r.period_type, r.selection, r.ranks_across, q.pe
  FROM ranked_fact s
  JOIN rule_key r ON r.de_id = s.de_id AND r.selection = 'first'
  JOIN query_period q
    ON q.period_type = r.period_type AND q.end_date >= s.end_date
   AND s.start_date >= q.look_back_start
  WHERE s.earlier_start IS NULL OR s.earlier_start < q.look_back_start
  UNION ALL
  SELECT de_id, coc_id, aoc, ou_id, start_date, end_date, value, days, value_x_days, per_unit,
         period_type, selection, ranks_across, cp
  FROM (
    SELECT f.de_id, f.coc_id, f.aoc, f.ou_id, f.start_date, f.end_date, f.value, f.days,
           f.value_x_days, f.per_unit, r.period_type, r.selection, r.ranks_across, q.pe AS cp,
           ROW_NUMBER() OVER (
             PARTITION BY f.de_id, f.unit_id, f.coc_id, f.aoc, q.period_type, q.pe
             ORDER BY f.end_date DESC NULLS LAST, f.start_date DESC NULLS LAST) AS pe_rank
    FROM fact f
    JOIN rule_key r ON r.de_id = f.de_id AND r.selection = 'last_in_period'
    JOIN query_period q
      ON q.period_type = r.period_type AND f.start_date >= q.start_date
     AND f.end_date <= q.end_date
  ) ranked
  WHERE pe_rank = 1
),
-- The grains each value's partial sums go to: its option combo's own grain; for per_unit_grains
-- elements also the total and the options the combo counts in, whose cells group the unit's
-- values of every combo in them. MIN_SUM_ORG_UNIT takes the unit's minimum over the period
-- (MAX_SUM_ORG_UNIT its maximum) and sums those (getMinOrMaxValueSubquerySql).
leaf_grain AS (
  SELECT coc_id, grain_id, FALSE AS per_unit FROM grain_map WHERE own
  UNION ALL
  SELECT coc_id, grain_id, TRUE FROM grain_map
),
-- Partial sums per (element, cell period, grain, org unit). The count is a DOUBLE (exact below
-- 2^53): every level's SUM of it then adds doubles, not the 128-bit integers SUM(BIGINT) gives.
-- Each row of single_member is its cell's only value: its partial sums are relabelled, not grouped
-- (at medium 3.3 M of the 10.9 M rows, each its own group). Read once, by unit_cell, so that it is
-- not materialised beside it (5.9 M rows at medium).
leaf AS (
  SELECT s.de_id, s.cp_id, g.grain_id, s.ou_id, CAST(1 AS DOUBLE) AS n, s.value AS s,
         s.value * s.value AS ss, s.value AS mn, s.value AS mx, s.value_x_days AS svd, s.days AS sd
  FROM single_member s
  JOIN grain_map g ON g.coc_id = s.coc_id AND g.own
  UNION ALL
  SELECT v.de_id, v.cp_id, g.grain_id, v.ou_id, CAST(COUNT(*) AS DOUBLE) AS n, SUM(v.value) AS s,
         SUM(v.value * v.value) AS ss, MIN(v.value) AS mn, MAX(v.value) AS mx,
         SUM(v.value_x_days) AS svd, SUM(v.days) AS sd
  FROM (
    SELECT de_id, cp_id, coc_id, ou_id, value, days, value_x_days, per_unit FROM member
    UNION ALL
    SELECT w.de_id, p.cp_id, w.coc_id, w.ou_id, w.value, w.days, w.value_x_days, w.per_unit
    FROM winner w
    JOIN cell_period p ON p.period_type = w.period_type AND p.cp = w.cp AND NOT p.disaggregated
    WHERE NOT w.ranks_across
  ) v
  JOIN leaf_grain g ON g.coc_id = v.coc_id AND g.per_unit = v.per_unit
  GROUP BY v.de_id, v.cp_id, g.grain_id, v.ou_id
  UNION ALL
  SELECT v.de_id, v.cp_id, g.grain_id, v.ou_id, CAST(COUNT(*) AS DOUBLE) AS n, SUM(v.value) AS s,
         CAST(NULL AS DOUBLE) AS ss, CAST(NULL AS DOUBLE) AS mn, CAST(NULL AS DOUBLE) AS mx,
         CAST(NULL AS DOUBLE) AS svd, CAST(NULL AS DOUBLE) AS sd
  FROM narrow_member v
  JOIN leaf_grain g ON g.coc_id = v.coc_id AND g.per_unit = v.per_unit
  GROUP BY v.de_id, v.cp_id, g.grain_id, v.ou_id
),
-- The cells per org unit, with the unit's level and parent.
unit_cell AS (
  SELECT l.de_id, l.cp_id, l.grain_id, l.ou_id, u.level AS ou_level, u.parent_id, l.n, l.s, l.ss,
         l.mn, l.mx, l.svd, l.sd
  FROM leaf l
  JOIN unit u ON u.ou_id = l.ou_id
),
-- Each option combo's own grain with the total and per-option grains it counts in. Every partial
-- sum but the sums of per-unit extremes combines across option combos exactly as across units (sums
-- add, min and max of the parts), so a unit's total and per-option cells are its option-combo cells
-- grouped, at each level after the roll-up (aggregate_level_cells), instead of rolling every grain
-- up the hierarchy; per_unit_grains elements rolled their grains up themselves
-- (docs/gold_aggregate.md, "Grains").
derived_grain AS (
  SELECT o.grain_id AS own_grain_id, d.grain_id, k.per_option, k.data_dimension
  FROM grain_map o
  JOIN grain_map d ON d.coc_id = o.coc_id AND NOT d.own
  JOIN grain_key k ON k.grain_id = d.grain_id
  WHERE o.own
),
-- The elements whose values in this run all hold one option combo (those of the default category
-- combo, as a rule): each of their total and per-option cells is the partial sums of that one
-- combo's cell, so aggregate_level_cells relabels the option-combo cell instead of grouping it.
-- Every cell's values come from fact or, for LAST and FIRST, from ranked_fact (both read
-- elsewhere, so materialised anyway).
one_combo_element AS (
  SELECT de_id
  FROM (SELECT de_id, coc_id FROM fact UNION ALL SELECT de_id, coc_id FROM ranked_fact) v
  GROUP BY de_id
  HAVING MIN(coc_id) = MAX(coc_id)
),
-- Per element and cell period: whether its per-option cells follow from its option-combo cells
-- (`combines`, dhis2::CombinationAcrossCombos). Those are written only for data-dimension
-- categories above the deepest level; the analytics API combines the others on demand from the
-- option-combo rows (docs/gold_aggregate.md, "Grains"); `one_combo` as above.
cell_rule AS (
  SELECT r.de_id, p.cp_id, p.disaggregated, e.per_unit_grains, r.combines,
         o.de_id IS NOT NULL AS one_combo
  FROM rule_key r
  JOIN cell_period p ON p.period_type = r.period_type
  JOIN element_key e ON e.de_id = r.de_id
  LEFT JOIN one_combo_element o ON o.de_id = r.de_id
),
-- Every org-unit level, from the deepest up: level k groups level k + 1's cells by parent with the
-- cells of level-k units' own values, as a query for that unit's uidlevelk; level_cell holds the
-- cells of query periods, disaggregated_level_cell those of disaggregated data periods, each with
-- the grains derived from the option combos.
generated('aggregate_level_cells'),
-- Per element and cell period (a small table): the rule evaluating the cell (aggregate_cell_value's
-- alias `r`, with the period's days) and the published labels, so that each of the millions of
-- cells joins one table once instead of the periods, the rules and the elements apart.
cell_label AS (
  SELECT r.de_id, p.cp_id, r.selection, r.formula, r.min_max, p.days, e.de_text, e.aoc, p.pe_text,
         p.period_type_text, p.year
  FROM rule_key r
  JOIN cell_period p ON p.period_type = r.period_type
  JOIN element_key e ON e.de_id = r.de_id
),
cell AS (
  SELECT c.grain_id, c.ou_id, c.ou_level, c.n, generated('aggregate_cell_value') AS value,
         r.de_text, r.aoc, r.pe_text, r.period_type_text, r.year
  FROM level_cell c
  JOIN cell_label r ON r.de_id = c.de_id AND r.cp_id = c.cp_id
),
-- Disaggregated cells are copied from the data period to every query period it maps to; a
-- financial year fed by two data years takes their weighted average
-- (replaceDataPeriodsWithAggregationPeriods, AnalyticsUtils.calculateYearlyWeightedAverage).
-- disaggregated_value: each cell's value in its data period; disaggregation_map: the query periods
-- each data period maps to, with the number of data periods of its type (`sources`) feeding the
-- query period (two: a financial year over two data years).
disaggregated_value AS (
  SELECT c.de_id, c.cp_id, c.grain_id, c.ou_id, c.ou_level, c.n, p.period_type, p.cp,
         generated('aggregate_cell_value') AS value
  FROM disaggregated_level_cell c
  JOIN cell_period p ON p.cp_id = c.cp_id
  JOIN cell_label r ON r.de_id = c.de_id AND r.cp_id = c.cp_id
),
disaggregation_map AS (
  SELECT d.period_type, d.data_pe, d.weight, d.sources, q.cp_id
  FROM (
    SELECT period_type, pe, data_pe, weight,
           COUNT(*) OVER (PARTITION BY period_type, pe, data_period_type) AS sources
    FROM disaggregation_period
  ) d
  JOIN cell_period q ON q.period_type = d.period_type AND q.cp = d.pe AND NOT q.disaggregated
),
-- A query period fed by one data period (all but such financial years) takes the cell as it is:
-- no grouping (at medium 1.5 M cells, 1 CPU s grouped one row to a group).
disaggregated_cell AS (
  SELECT c.de_id, m.cp_id, c.grain_id, c.ou_id, c.ou_level, c.n, c.value
  FROM disaggregated_value c
  JOIN disaggregation_map m
    ON m.period_type = c.period_type AND m.data_pe = c.cp AND m.sources = 1
  WHERE c.value IS NOT NULL
  UNION ALL
  SELECT c.de_id, m.cp_id, c.grain_id, c.ou_id, c.ou_level, SUM(c.n) AS n,
         CASE WHEN COUNT(*) = 2 THEN SUM(c.value * m.weight) ELSE MAX(c.value) END AS value
  FROM disaggregated_value c
  JOIN disaggregation_map m
    ON m.period_type = c.period_type AND m.data_pe = c.cp AND m.sources > 1
  WHERE c.value IS NOT NULL
  GROUP BY c.de_id, m.cp_id, c.grain_id, c.ou_id, c.ou_level
),
-- LAST_LAST_ORG_UNIT and FIRST_FIRST_ORG_UNIT: one value for the whole cell, the latest (earliest)
-- of the units' own, ties broken by org unit, coc and aoc (DHIS2 leaves them to the database).
across AS (
  SELECT de, aoc, period_type, cp, g_coc, g_category, g_option, ou, ou_level, 1 AS n, value
  FROM (
    SELECT e.de, e.aoc, w.period_type, w.cp, g.g_coc, g.g_category, g.g_option,
           CASE lv.level WHEN 1 THEN u.level1_uid WHEN 2 THEN u.level2_uid WHEN 3 THEN u.level3_uid WHEN 4 THEN u.level4_uid WHEN 5 THEN u.level5_uid WHEN 6 THEN u.level6_uid WHEN 7 THEN u.level7_uid WHEN 8 THEN u.level8_uid END AS ou, lv.level AS ou_level, w.value,
           ROW_NUMBER() OVER (
             PARTITION BY e.de_id, w.period_type, w.cp, g.g_coc, g.g_category, g.g_option, lv.level,
                          CASE lv.level WHEN 1 THEN u.level1_uid WHEN 2 THEN u.level2_uid WHEN 3 THEN u.level3_uid WHEN 4 THEN u.level4_uid WHEN 5 THEN u.level5_uid WHEN 6 THEN u.level6_uid WHEN 7 THEN u.level7_uid WHEN 8 THEN u.level8_uid END
             ORDER BY CASE WHEN w.selection = 'last' THEN w.end_date END DESC NULLS LAST,
                      CASE WHEN w.selection = 'last' THEN w.start_date END DESC NULLS LAST,
                      CASE WHEN w.selection = 'first' THEN w.end_date END ASC NULLS LAST,
                      CASE WHEN w.selection = 'first' THEN w.start_date END ASC NULLS LAST,
                      u.ou ASC NULLS LAST, c.coc ASC NULLS LAST, w.aoc ASC NULLS LAST) AS cell_rank
    FROM winner w
    JOIN element_key e ON e.de_id = w.de_id
    JOIN unit u ON u.ou_id = w.ou_id
    JOIN combo_key c ON c.coc_id = w.coc_id
    JOIN grain g ON g.coc = c.coc
    CROSS JOIN (VALUES (1), (2), (3), (4), (5), (6), (7), (8)) AS lv(level)
    WHERE w.ranks_across AND CASE lv.level WHEN 1 THEN u.level1_uid WHEN 2 THEN u.level2_uid WHEN 3 THEN u.level3_uid WHEN 4 THEN u.level4_uid WHEN 5 THEN u.level5_uid WHEN 6 THEN u.level6_uid WHEN 7 THEN u.level7_uid WHEN 8 THEN u.level8_uid END IS NOT NULL
  ) ranked
  WHERE cell_rank = 1
),
result AS (
  SELECT grain_id, ou_id, ou_level, n, value, de_text, aoc, pe_text, period_type_text, year
  FROM cell
  UNION ALL
  SELECT c.grain_id, c.ou_id, c.ou_level, c.n, c.value, l.de_text, l.aoc, l.pe_text,
         l.period_type_text, l.year
  FROM disaggregated_cell c
  JOIN cell_label l ON l.de_id = c.de_id AND l.cp_id = c.cp_id
)
SELECT r.de_text AS de, k.coc_text AS coc, k.category_text AS category,
       k.option_text AS category_option, r.aoc, u.ou_text AS ou, r.ou_level, r.pe_text AS pe,
       r.period_type_text AS period_type, r.value, CAST(FLOOR(r.n) AS BIGINT) AS count, r.year
FROM result r
JOIN grain_key k ON k.grain_id = r.grain_id
JOIN unit u ON u.ou_id = r.ou_id
WHERE r.value IS NOT NULL
UNION ALL
SELECT a.de,
       CAST(a.g_coc AS generated('text_dictionary', 'silver.category_option_combo', 'uid')),
       CAST(a.g_category
            AS generated('text_dictionary', 'silver.category_option_combo_option', 'category')),
       CAST(a.g_option AS generated('text_dictionary', 'silver.category_option_combo_option',
                                    'category_option')),
       a.aoc, CAST(a.ou AS generated('text_dictionary', 'silver.org_unit', 'uid')), a.ou_level,
       CAST(a.cp AS generated('aggregate_period_dictionary')),
       CAST(a.period_type AS generated('period_type_dictionary')), a.value,
       CAST(FLOOR(a.n) AS BIGINT), q.year
FROM across a
JOIN query_period q ON q.period_type = a.period_type AND q.pe = a.cp
WHERE a.value IS NOT NULL
