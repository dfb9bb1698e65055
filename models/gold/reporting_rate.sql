-- Reporting rates as DHIS2's analytics computes the REPORTING_RATE family (docs/gold_quality.md):
-- one row per data set x org unit (every level) x period of the data set's own type and of the
-- longer types Monthly, Quarterly and Yearly.
--   expected       = org units assigned to the data set in the unit's subtree that are open for the
--                    whole period (opening_date <= period start, closed_date >= period end, NULL
--                    meaning no limit: JdbcAnalyticsManager.getWhereClauseRestrictions) x span,
--                    span = floor(frequency order of the period type / that of the data set's type)
--                    (PeriodType.getPeriodSpan), or the period's days for a Daily data set
--                    (ReportRatesHelper.getCalculatedTarget)
--   actual         = completed registrations of the data set in the subtree whose period belongs
--                    to the period (by silver.period's structure columns), whatever the unit's
--                    assignment or dates (JdbcCompletenessTableManager)
--   actual_on_time = those registered on time by the rule of the server's version
--                    (generated('reporting_rate_on_time'), src/pipeline/timeliness_generator.h)
--   rate, rate_on_time = min(100, actual * 100 / expected) (DataHandler.getReportingRate)
-- Rows exist where expected > 0, as DHIS2 answers only where a target exists.
-- Org units roll up along [gold] hierarchy: today's hierarchy and opening dates (current, DHIS2),
-- or each unit's ancestors and dates as they were at the end date of the period (as_of_period:
-- the expected units of a query period by its end date, a registration by its own period's).
-- Partitioned by `year`: the year of DHIS2's period structure the row's period belongs to (its
-- Yearly period by the start date, plus 3 days for weeks: a week starting 29-31 December belongs to
-- the next year, as its month does; a period as long as a year, its start year), the same for a
-- registration's period and every query period it counts in, as silver.complete_registration is
-- partitioned, so a year's rows read that year's registrations alone (partition_window 0, 0). A new or
-- changed period row recomputes the years it names (its start year and its Yearly period:
-- recompute_on onto the partition column); any other changed input rebuilds the table.
-- Within those years only the periods the change reaches are recomputed (period_scope): a query
-- period counts the registrations of the periods belonging to it, which overlap it.
-- materialized: partitioned
-- partition_by: year
-- partition_inputs: silver.complete_registration
-- recompute_on: silver.period.year = year
-- recompute_on: silver.period.yearly = year
-- period_scope: pe
-- depends_on: silver.org_unit
-- expect: rate_in_range | rate >= 0 AND rate <= 100 | warn
WITH
data_set AS (
  SELECT uid AS data_set, period_type, COALESCE(timely_days, 15.0) AS timely_days,
         CASE WHEN period_type = 'Daily' THEN 1
              WHEN period_type = 'BiWeekly' THEN 14
              WHEN period_type LIKE 'Weekly%' THEN 7
              WHEN period_type = 'Monthly' THEN 30
              WHEN period_type = 'BiMonthly' THEN 61
              WHEN period_type LIKE 'Quarterly%' THEN 91
              WHEN period_type LIKE 'SixMonthly%' THEN 182
              ELSE 365 END AS frequency
  FROM ref('silver.data_set')
),
-- Every period of a data set's own type, with the Monthly, Quarterly and Yearly period it belongs
-- to (silver.period leaves a column NULL when that type is not longer than the row's own).
-- Only the years this run computes (generated('scope_years'): every year unless the run
-- recomputes some partitions).
data_set_period AS (
  SELECT data_set, data_set_type, frequency, timely_days, pe, start_date, end_date, days, monthly,
         quarterly, yearly, year
  FROM (
    SELECT d.data_set, d.period_type AS data_set_type, d.frequency, d.timely_days, p.pe,
           p.start_date, p.end_date, p.days, p.monthly, p.quarterly, p.yearly,
           COALESCE(TRY_CAST(p.yearly AS INT), p.year) AS year
    FROM data_set d
    JOIN ref('silver.period') p ON p.period_type = d.period_type
  ) AS in_year
  WHERE generated('scope_years')
),
-- Query periods: the period itself, then the longer periods it belongs to.
query_period_member AS (
  SELECT data_set, data_set_type, frequency, pe AS member_pe, pe AS query_pe,
         data_set_type AS query_type, frequency AS query_frequency, year
  FROM data_set_period
  UNION ALL
  SELECT data_set, data_set_type, frequency, pe, monthly, 'Monthly', 30, year
  FROM data_set_period WHERE monthly IS NOT NULL
  UNION ALL
  SELECT data_set, data_set_type, frequency, pe, quarterly, 'Quarterly', 91, year
  FROM data_set_period WHERE quarterly IS NOT NULL
  UNION ALL
  SELECT data_set, data_set_type, frequency, pe, yearly, 'Yearly', 365, year
  FROM data_set_period WHERE yearly IS NOT NULL
),
-- One row per data set x query period with its dates (from silver.period when it holds the query
-- period, else the span of the member periods) and the span multiplier.
query_period AS (
  SELECT m.data_set, m.query_pe, m.query_type, MIN(m.year) AS year,
         COALESCE(MIN(qp.start_date), MIN(dp.start_date)) AS start_date,
         COALESCE(MAX(qp.end_date), MAX(dp.end_date)) AS end_date,
         CASE WHEN MIN(m.data_set_type) = 'Daily'
              THEN COALESCE(MAX(qp.days), SUM(dp.days))
              ELSE FLOOR(CAST(MIN(m.query_frequency) AS DOUBLE) / MIN(m.frequency)) END AS span
  FROM query_period_member m
  JOIN data_set_period dp ON dp.data_set = m.data_set AND dp.pe = m.member_pe
  LEFT JOIN ref('silver.period') qp ON qp.pe = m.query_pe
  GROUP BY m.data_set, m.query_pe, m.query_type
),
-- The hierarchy reports roll up along ([gold] hierarchy, src/pipeline/hierarchy_generator.h):
-- `ancestry`, each unit's chain of ancestors and the days it held, with the opening and closing
-- dates of the unit's version (current: today's hierarchy and dates, on every day).
generated('org_unit_ancestry_dates'),
-- The hierarchy as nodes (a node is a unit under one chain of ancestors: current, each unit once;
-- as_of_period, a unit that moved is a node under each chain it had), numbered, with the parent
-- node. Counts roll up from node to parent one level at a time, so each step groups the cells of
-- one level instead of every unit's rows times its ancestors (at medium 14.7 M rows grouped before,
-- about 4 M now).
node_key AS (
  SELECT node, parent_node,
         CAST(uid AS generated('text_dictionary', 'silver.org_unit', 'uid')) AS uid, level,
         CAST(FLOOR(ROW_NUMBER() OVER (ORDER BY node NULLS LAST)) AS INTEGER) AS node_id
  FROM (SELECT DISTINCT node, parent_node, uid, level FROM ancestry) AS n
),
node_parent AS (
  SELECT n.node, n.node_id, n.uid, n.level, p.node_id AS parent_id,
         COUNT(*) OVER (PARTITION BY n.uid) > 1 AS shared
  FROM node_key n
  LEFT JOIN node_key p ON p.node = n.parent_node
),
-- The query periods numbered.
query_key AS (
  SELECT data_set, query_pe, query_type, year, span, start_date, end_date,
         CAST(data_set AS generated('text_dictionary', 'silver.data_set', 'uid')) AS data_set_text,
         CAST(query_type AS generated('period_type_dictionary')) AS query_type_text,
         CAST(FLOOR(ROW_NUMBER() OVER (ORDER BY data_set NULLS LAST, query_pe NULLS LAST,
                                       query_type NULLS LAST)) AS INTEGER) AS q_id
  FROM query_period
),
registration AS (
  SELECT r.data_set, r.pe, r.ou, r.end_date,
         CASE WHEN generated('reporting_rate_on_time') THEN 1 ELSE 0 END AS on_time
  FROM (
    SELECT c.data_set, c.pe, c.ou, c.completed_at, dp.end_date, dp.timely_days
    FROM ref('silver.complete_registration') c
    JOIN data_set_period dp ON dp.data_set = c.data_set AND dp.pe = c.pe
    WHERE c.completed
  ) AS r
),
-- Each query period's counts at the node of each unit: expected, an assigned unit open for the
-- whole period, at its node on the period's end date; actual (and on time), a unit's completed
-- registrations of the member periods, at its node on each registration's period end date, whatever
-- level it had then. Counts are DOUBLEs (exact below 2^53): their sums stay 8 bytes, where
-- SUM of an integer gives a 16-byte HUGEINT in every cell of every level.
leaf_cell AS (
  SELECT c.q_id, k.node_id, k.level, c.expected, c.actual, c.actual_on_time
  FROM (
    SELECT q.q_id, a.node, CAST(1 AS DOUBLE) AS expected, CAST(0 AS DOUBLE) AS actual,
           CAST(0 AS DOUBLE) AS actual_on_time
    FROM ref('silver.data_set_org_unit') s
    JOIN ancestry a ON a.uid = s.ou
    JOIN query_key q ON q.data_set = s.data_set
    WHERE (a.opening_date IS NULL OR a.opening_date <= q.start_date)
      AND (a.closed_date IS NULL OR a.closed_date >= q.end_date)
      AND (a.valid_from IS NULL OR a.valid_from <= q.end_date)
      AND (a.valid_to IS NULL OR a.valid_to > q.end_date)
    UNION ALL
    SELECT q.q_id, a.node, CAST(0 AS DOUBLE), CAST(COUNT(*) AS DOUBLE),
           CAST(COUNT(CASE WHEN r.on_time = 1 THEN 1 END) AS DOUBLE)
    FROM registration r
    JOIN query_period_member m ON m.data_set = r.data_set AND m.member_pe = r.pe
    JOIN query_key q
      ON q.data_set = m.data_set AND q.query_pe = m.query_pe AND q.query_type = m.query_type
    JOIN ancestry a
      ON a.uid = r.ou
     AND (a.valid_from IS NULL OR a.valid_from <= r.end_date)
     AND (a.valid_to IS NULL OR a.valid_to > r.end_date)
    GROUP BY q.q_id, a.node
  ) AS c
  JOIN node_parent k ON k.node = c.node
),
-- Level k: the cells of level k + 1 grouped by parent, with the cells of level-k nodes themselves,
-- levels 8 to 1 (src/pipeline/quality_generators.h).
generated('reporting_rate_levels'),
-- Per unit: its nodes' counts together (under as_of_period a unit's reports count at the unit
-- whichever chain it had); its level is that of the node holding the expected units, the one it
-- had at the query period's end. A unit with one node (every unit under current) is its node's
-- cells as they are (the levels are read twice as they are, each materialised once already, so
-- that their union is not materialised again). Rows where expected > 0 (DHIS2 answers where a
-- target exists).
unit_cell AS (
  SELECT c.q_id, k.uid AS ou, k.level AS ou_level, c.expected, c.actual, c.actual_on_time
  FROM (generated('reporting_rate_node_cells')) AS c
  JOIN node_parent k ON k.node_id = c.node_id AND NOT k.shared
  WHERE c.expected > 0
  UNION ALL
  SELECT c.q_id, k.uid, MAX(CASE WHEN c.expected > 0 THEN k.level END), SUM(c.expected),
         SUM(c.actual), SUM(c.actual_on_time)
  FROM (generated('reporting_rate_node_cells')) AS c
  JOIN node_parent k ON k.node_id = c.node_id AND k.shared
  GROUP BY c.q_id, k.uid
  HAVING SUM(c.expected) > 0
)
SELECT q.data_set_text AS data_set, u.ou, u.ou_level, q.query_pe AS pe,
       q.query_type_text AS period_type,
       CAST(u.expected * q.span AS DOUBLE) AS expected,
       CAST(u.actual AS DOUBLE) AS actual,
       CAST(u.actual_on_time AS DOUBLE) AS actual_on_time,
       LEAST(100.0, u.actual * 100.0 / (u.expected * q.span)) AS rate,
       LEAST(100.0, u.actual_on_time * 100.0 / (u.expected * q.span)) AS rate_on_time,
       q.year
FROM unit_cell u
JOIN query_key q ON q.q_id = u.q_id
