-- The PostgreSQL 15 baseline of bench/gold_bench.sh: DHIS2's way of building analytics
-- (JdbcAnalyticsTableManager: the period and org-unit structure resource tables joined to the data
-- values into an analytics table, with DHIS2's zero rule and days x value, indexed per column as
-- DHIS2 indexes it), then the aggregates gold.aggregate holds for the SUM, AVERAGE and
-- AVERAGE_SUM_ORG_UNIT elements: per element (total and per coc) x org unit at every level x
-- Monthly, Quarterly and Yearly period, one GROUP BY GROUPING SETS per period type (DHIS2 itself
-- answers such cells query by query). psql variables: :csv (the CSV folder), :step (full or
-- incremental), :year (the year the incremental step rebuilds).
\set ON_ERROR_STOP on
\timing on
SELECT :'step' = 'full' AS is_full \gset
\if :is_full
DROP TABLE IF EXISTS datavalue, _orgunitstructure, _periodstructure, dataelement, analytics, aggregate;
CREATE UNLOGGED TABLE datavalue (de text, pe text, ou text, coc text, aoc text, value double precision, value_text text);
CREATE UNLOGGED TABLE _orgunitstructure (uid text PRIMARY KEY, level int, uidlevel1 text, uidlevel2 text, uidlevel3 text, uidlevel4 text, uidlevel5 text, uidlevel6 text, uidlevel7 text, uidlevel8 text);
CREATE UNLOGGED TABLE _periodstructure (pe text PRIMARY KEY, periodtype text, startdate date, enddate date, daysno int, year int, monthly text, quarterly text, yearly text);
CREATE UNLOGGED TABLE dataelement (uid text PRIMARY KEY, aggregationtype text);
\echo load
SELECT now() AS t0 \gset
\set dv_path :csv '/data_value.csv'
\set ou_path :csv '/org_unit.csv'
\set pe_path :csv '/period.csv'
\set de_path :csv '/data_element.csv'
COPY datavalue FROM :'dv_path' (FORMAT csv);
COPY _orgunitstructure FROM :'ou_path' (FORMAT csv);
COPY _periodstructure FROM :'pe_path' (FORMAT csv);
COPY dataelement FROM :'de_path' (FORMAT csv);
ANALYZE;
\echo analytics_table
CREATE UNLOGGED TABLE analytics AS
SELECT dv.de AS dx, dv.coc AS co, dv.aoc AS ao, dv.ou, ous.level AS oulevel, ous.uidlevel1,
       ous.uidlevel2, ous.uidlevel3, ous.uidlevel4, ous.uidlevel5, ps.pe, ps.monthly, ps.quarterly,
       ps.yearly, ps.startdate AS pestartdate, ps.enddate AS peenddate, ps.daysno,
       dv.value, dv.value * ps.daysno AS daysxvalue, de.aggregationtype, ps.year
FROM datavalue dv
JOIN _periodstructure ps ON ps.pe = dv.pe
JOIN _orgunitstructure ous ON ous.uid = dv.ou
JOIN dataelement de ON de.uid = dv.de
WHERE dv.value IS NOT NULL
  AND (dv.value_text <> '0' OR de.aggregationtype IN ('AVERAGE', 'AVERAGE_SUM_ORG_UNIT'));
\else
\echo incremental_analytics_year
UPDATE datavalue SET value = value + 1
WHERE pe = (SELECT max(pe) FROM _periodstructure WHERE periodtype = 'Monthly' AND pe IN (SELECT DISTINCT pe FROM datavalue))
  AND value IS NOT NULL AND value_text NOT IN ('true', 'false');
DROP INDEX IF EXISTS in_analytics_dx, in_analytics_l1, in_analytics_l2, in_analytics_l3, in_analytics_l4, in_analytics_l5, in_analytics_m, in_analytics_q, in_analytics_y;
DELETE FROM analytics WHERE year = :year;
INSERT INTO analytics
SELECT dv.de, dv.coc, dv.aoc, dv.ou, ous.level, ous.uidlevel1, ous.uidlevel2, ous.uidlevel3,
       ous.uidlevel4, ous.uidlevel5, ps.pe, ps.monthly, ps.quarterly, ps.yearly, ps.startdate,
       ps.enddate, ps.daysno, dv.value, dv.value * ps.daysno, de.aggregationtype, ps.year
FROM datavalue dv
JOIN _periodstructure ps ON ps.pe = dv.pe
JOIN _orgunitstructure ous ON ous.uid = dv.ou
JOIN dataelement de ON de.uid = dv.de
WHERE ps.year = :year AND dv.value IS NOT NULL
  AND (dv.value_text <> '0' OR de.aggregationtype IN ('AVERAGE', 'AVERAGE_SUM_ORG_UNIT'));
DROP TABLE aggregate;
\endif
\echo indexes
CREATE INDEX in_analytics_dx ON analytics (dx);
CREATE INDEX in_analytics_l1 ON analytics (uidlevel1);
CREATE INDEX in_analytics_l2 ON analytics (uidlevel2);
CREATE INDEX in_analytics_l3 ON analytics (uidlevel3);
CREATE INDEX in_analytics_l4 ON analytics (uidlevel4);
CREATE INDEX in_analytics_l5 ON analytics (uidlevel5);
CREATE INDEX in_analytics_m ON analytics (monthly);
CREATE INDEX in_analytics_q ON analytics (quarterly);
CREATE INDEX in_analytics_y ON analytics (yearly);
ANALYZE analytics;
\echo aggregate
CREATE UNLOGGED TABLE aggregate AS
WITH cell AS (
  SELECT dx, co, 'Monthly' AS periodtype, monthly AS pe, uidlevel1, uidlevel2, uidlevel3, uidlevel4,
         uidlevel5, aggregationtype, value, daysxvalue
  FROM analytics WHERE monthly IS NOT NULL
  UNION ALL
  SELECT dx, co, 'Quarterly', quarterly, uidlevel1, uidlevel2, uidlevel3, uidlevel4, uidlevel5,
         aggregationtype, value, daysxvalue
  FROM analytics WHERE quarterly IS NOT NULL
  UNION ALL
  SELECT dx, co, 'Yearly', yearly, uidlevel1, uidlevel2, uidlevel3, uidlevel4, uidlevel5,
         aggregationtype, value, daysxvalue
  FROM analytics WHERE yearly IS NOT NULL
)
SELECT c.dx, c.co, c.periodtype, c.pe,
       COALESCE(c.uidlevel5, c.uidlevel4, c.uidlevel3, c.uidlevel2, c.uidlevel1) AS ou,
       CASE MIN(c.aggregationtype)
         WHEN 'AVERAGE' THEN avg(c.value)
         WHEN 'AVERAGE_SUM_ORG_UNIT' THEN sum(c.daysxvalue) / MIN(p.daysno)
         ELSE sum(c.value) END AS value,
       count(*) AS count
FROM cell c
JOIN _periodstructure p ON p.pe = c.pe
WHERE c.aggregationtype IN ('SUM', 'AVERAGE', 'AVERAGE_SUM_ORG_UNIT')
GROUP BY GROUPING SETS (
  (c.dx, c.periodtype, c.pe, c.uidlevel1), (c.dx, c.periodtype, c.pe, c.uidlevel2),
  (c.dx, c.periodtype, c.pe, c.uidlevel3), (c.dx, c.periodtype, c.pe, c.uidlevel4),
  (c.dx, c.periodtype, c.pe, c.uidlevel5),
  (c.dx, c.co, c.periodtype, c.pe, c.uidlevel1), (c.dx, c.co, c.periodtype, c.pe, c.uidlevel2),
  (c.dx, c.co, c.periodtype, c.pe, c.uidlevel3), (c.dx, c.co, c.periodtype, c.pe, c.uidlevel4),
  (c.dx, c.co, c.periodtype, c.pe, c.uidlevel5));
SELECT 'aggregate_rows=' || count(*) FROM aggregate;
