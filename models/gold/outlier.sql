-- Outlier statistics of every numeric data value, as DHIS2's outlier detection defines them
-- (dhis2-core outlierdetection ZscoreSqlStatementProcessor, MinMaxSqlStatementProcessor;
-- docs/gold_quality.md):
--   statistics per data element x org unit x category option combo x attribute option combo over
--   all its values (DHIS2's dataStartDate/dataEndDate are unset by default: every period);
--   z_score          = |value - mean| / std_dev, std_dev the population standard deviation;
--                      NULL when std_dev is 0 (DHIS2 leaves such series out)
--   modified_z_score = 0.6745 * |value - median| / mad, mad = median of |value - median|;
--                      NULL when mad is 0
--   outlier when the score is >= the threshold (default 3.0 for both, DHIS2's default), the
--   score rounded to 9 decimals first: a score of exactly 3 (nine 0s and a 2) comes out as
--   3 +- 1e-15 depending on the order the sums run in, which must not decide the finding;
--   min-max outlier when value < min or value > max of silver.min_max for (de, ou, coc).
-- Only numeric value types count (ValueType.NUMERIC_TYPES: the integer types, NUMBER,
-- UNIT_INTERVAL, PERCENTAGE). Thresholds come from generated('outlier_thresholds')
-- (src/pipeline/quality_generators.h). Not partitioned: the table is rewritten whole on each
-- run, and a partitioned write cost 40% more (3M values: 9.8 s against 6.9 s); `year` stays as a
-- column for filters. Its statistics are per series, so each data element is computed apart:
-- when silver.data_value's rows times batch_row_bytes (measured at large: 4.97 GB peak over 48.1M
-- rows in one query) exceed half the engine's memory, the table is computed in pieces of data
-- elements and written in one commit (docs/models.md, batch_by).
-- materialized: table
-- batch_by: de
-- batch_inputs: silver.data_value
-- batch_row_bytes: 100
WITH
value AS (
  SELECT de, pe, ou, coc, aoc, value, year
  FROM ref('silver.data_value')
  WHERE value IS NOT NULL
    AND value_type IN ('INTEGER', 'INTEGER_POSITIVE', 'INTEGER_NEGATIVE',
                       'INTEGER_ZERO_OR_POSITIVE', 'NUMBER', 'UNIT_INTERVAL', 'PERCENTAGE')
),
-- An integer key per period: on DuckDB a value's period goes through the grouping below as this
-- key, and its id comes back by it (a period missing here keeps its id in the grouping).
period_key AS (
  SELECT pe, row_number() OVER (ORDER BY pe NULLS LAST) AS k
  FROM (SELECT DISTINCT pe FROM ref('silver.period')) AS p
),
-- Each value with its series' statistics and min-max bounds (silver.min_max is per de, ou, coc),
-- generated('outlier_series', ...) (src/pipeline/quality_generators.h): the figures below in
-- both dialects; on DuckDB one grouping per series collects its values and its rows (period key,
-- value, year), unnested at the end, with no join of the values back to their series (at medium,
-- 4.68M values: 2.6 CPU s against 3.4 with two percentile_cont passes and two joins).
-- The mean and the population standard deviation are computed from exact sums, the same in any
-- order. A DOUBLE sum (AVG, STDDEV_POP) depends on the order the engine's threads combine their
-- partial sums, so its last bits changed from run to run over the same values; a z-score near 0
-- (a value close to the mean) carried that change up to its 10th significant digit, the table's
-- fingerprint changed and a rerun over unchanged silver rewrote the table.
--   A series whose values are all integers below 2^31 in magnitude (most DHIS2 data) sums them
--   and their squares as integers (HUGEINT on DuckDB, DECIMAL(38, 0) on Spark): mean = sum / n
--   and std_dev = sqrt((n * sum(x^2) - sum(x)^2) / n^2), the exact variance rounded once.
--   Any other series casts each value to DECIMAL(38, 10), whose SUM is an integer sum; its
--   standard deviation is the second pass's sqrt(sum((value - mean)^2) / n) (two-pass, on the
--   exact mean), each squared deviation kept to 10 decimals (std_dev's relative error stays below
--   1e-10 / std_dev^2) and below 1e28 (values within 1e14 of their mean).
-- The median is percentile_cont(0.5) (the two middle values interpolated), the MAD the same over
-- |value - median|.
scored AS (
  SELECT *,
         CASE WHEN std_dev > 0 THEN ABS(value - mean) / std_dev END AS z_score,
         CASE WHEN mad > 0 THEN 0.6745 * ABS(value - median) / mad END AS modified_z_score
  FROM (generated('outlier_series', 'silver.min_max')) AS series_values
)
SELECT s.de, s.coc, s.aoc, s.ou, s.pe, s.value, s.mean, s.std_dev, s.z_score, s.median, s.mad,
       s.modified_z_score, s.min, s.max,
       COALESCE(ROUND(s.z_score, 9) >= t.z_threshold, FALSE) AS is_z_outlier,
       COALESCE(ROUND(s.modified_z_score, 9) >= t.modified_z_threshold, FALSE)
         AS is_modified_z_outlier,
       COALESCE(s.value < s.min OR s.value > s.max, FALSE) AS is_min_max_outlier,
       s.year
FROM scored s
CROSS JOIN (generated('outlier_thresholds')) AS t
