-- Aggregate data values, latest version per key, typed by the data element's value type.
-- Rules mirror src/dhis2/value_type.h (dhis2-core's ValidationUtils.valueIsValid after
-- normalizeValue; docs/aggregation.md section 2.1): numbers as DOUBLE in `value` (integers 32-bit,
-- one trailing ".0" dropped, NUMBER strict), BOOLEAN/TRUE_ONLY as 1/0 with "true"/"false" in
-- value_text (any case, t/f/y/n/yes/no/1/0), DATE/AGE as yyyy-MM-dd, DATETIME as
-- yyyy-MM-ddTHH:mm:ss[.fraction][Z|+HH:mm], TIME as HH:mm, text as received.
-- tests/sql/silver/value_types.test checks these rules and ParseValue against DHIS2's answers.
-- Simpler than ParseValue (and not in that test yet): EMAIL, URL, COORDINATE.
-- Identical re-deliveries (same key, lastUpdated and value) collapse to one row; `deliveries`
-- counts them within one extraction run (the most any run delivered: a server repeating a record
-- across pages). A later run fetching the same version again (the extractor reaches back
-- `overlap_seconds` before its watermark on purpose) is not counted, so that it leaves the row as it
-- was. The same key and lastUpdated with different values is a conflict (rejected). A value sent
-- without categoryOptionCombo or attributeOptionCombo is keyed by the default combo (HllvX50cXC0), as
-- DHIS2's import stores it.
-- materialized: incremental
-- unique_key: de, pe, ou, coc, aoc
-- order_by: last_updated, _ingested_at
-- deleted: deleted
-- recompute_on: silver.data_element.uid = de
-- recompute_on: silver.period.pe = pe
-- recompute_on: silver.org_unit.uid = ou
-- recompute_on: silver.category_option_combo.uid = coc
-- recompute_on: silver.category_option_combo.uid = aoc
-- partition_by: year
-- Every row of a key comes from the bronze rows of that key (each grouping below is by the key and
-- lastUpdated), so an incremental run reads only the bronze rows of the keys it recomputes.
-- key_input: bronze.data_value | de = dataElement
-- key_input: bronze.data_value | pe = period
-- key_input: bronze.data_value | ou = orgUnit
-- key_input: bronze.data_value | coc = COALESCE(categoryOptionCombo, 'HllvX50cXC0')
-- key_input: bronze.data_value | aoc = COALESCE(attributeOptionCombo, 'HllvX50cXC0')
-- expect: unknown_data_element | value_type IS NOT NULL | quarantine
-- expect: invalid_period | period_type IS NOT NULL | quarantine
-- expect: unknown_org_unit | ou_known | quarantine
-- expect: unknown_category_option_combo | coc_known AND aoc_known | quarantine
-- expect: value_invalid_for_value_type | value_type IS NULL OR value_valid | quarantine
-- expect: conflicting_duplicate | NOT conflicting | quarantine
-- Expectation invalid_utf8 rejects text holding a byte the source sent as ill-formed UTF-8, kept by
-- the extractor as U+F0080..U+F00FF (src/source/invalid_utf8.h); so do event_data_value and
-- tracked_entity_attribute. Only text with a character beyond ASCII (more bits than 8 a character)
-- is searched: the pattern cost 4 of the 5.7 CPU s this check took over 48.7M rows at large scale.
-- Each column is tested apart: concatenating the three first built a new string for every row.
-- expect: invalid_utf8 | CASE WHEN COALESCE(bit_length(value_text) = 8 * length(value_text), TRUE) AND COALESCE(bit_length(comment) = 8 * length(comment), TRUE) AND COALESCE(bit_length(stored_by) = 8 * length(stored_by), TRUE) THEN TRUE ELSE regexp_extract(concat(COALESCE(value_text, ''), COALESCE(comment, ''), COALESCE(stored_by, '')), '[\x{F0080}-\x{F00FF}]', 0) = '' END | quarantine
-- expect: redelivered | deliveries = 1 | warn
-- Deliveries and conflicts are counted by aggregation, not by windows over every row (a window
-- sorts every column of its rows: two were 3/4 of this model's time), and only over the versions
-- delivered more than once, found first by a hash of their key and lastUpdated (a collision only
-- sends more rows to the exact count). The repeated hashes are found by sorting the hashes alone
-- (a hash equal to the one before it), not by grouping them: grouping every bronze row's hash,
-- nearly all distinct, held a hash table of them all (at large scale, 48.7M rows: 12 CPU s and
-- 2.7 GB; the sort 5.4 CPU s and 1.3 GB; partitioning the window by part of the hash was slower).
-- Spark runs a window without PARTITION BY in one task.
WITH sorted_hashes AS (
  SELECT
    version_hash,
    lag(version_hash) OVER (ORDER BY version_hash NULLS LAST) AS previous_hash
  FROM (
    SELECT
      hash(dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo, lastUpdated)
        AS version_hash
    FROM ref('bronze.data_value')
  ) AS version_hashes
),
repeated_hashes AS (
  SELECT DISTINCT version_hash FROM sorted_hashes WHERE version_hash = previous_hash
),
runs AS (
  SELECT
    dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo, lastUpdated,
    COUNT(*) AS run_deliveries,
    MIN(COALESCE(value, '')) AS lowest_value,
    MAX(COALESCE(value, '')) AS highest_value
  FROM ref('bronze.data_value')
  WHERE hash(dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo, lastUpdated)
    IN (SELECT version_hash FROM repeated_hashes)
  GROUP BY dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo, lastUpdated,
    _run_id
),
redelivered AS (
  SELECT
    dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo, lastUpdated,
    MAX(run_deliveries) AS deliveries,
    MIN(lowest_value) <> MAX(highest_value) AS conflicting
  FROM runs
  GROUP BY dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo, lastUpdated
  HAVING SUM(run_deliveries) > 1
),
raw AS (
  SELECT
    b.dataElement AS de,
    b.period AS pe,
    b.orgUnit AS ou,
    -- DHIS2 stores a value sent without an option combo under the default one, whose uid is
    -- fixed (HllvX50cXC0, CategoryService's default option combo)
    COALESCE(b.categoryOptionCombo, 'HllvX50cXC0') AS coc,
    COALESCE(b.attributeOptionCombo, 'HllvX50cXC0') AS aoc,
    b.value AS raw_value,
    b.storedBy AS stored_by,
    b.created,
    b.lastUpdated AS last_updated,
    b.comment,
    b.followup,
    COALESCE(b.deleted, FALSE) AS deleted,
    b._ingested_at,
    COALESCE(r.deliveries, 1) AS deliveries,
    COALESCE(r.conflicting, FALSE) AS conflicting
  FROM ref('bronze.data_value') AS b
  LEFT JOIN redelivered AS r
    ON r.dataElement IS NOT DISTINCT FROM b.dataElement
    AND r.period IS NOT DISTINCT FROM b.period
    AND r.orgUnit IS NOT DISTINCT FROM b.orgUnit
    AND r.categoryOptionCombo IS NOT DISTINCT FROM b.categoryOptionCombo
    AND r.attributeOptionCombo IS NOT DISTINCT FROM b.attributeOptionCombo
    AND r.lastUpdated IS NOT DISTINCT FROM b.lastUpdated
),
looked_up AS (
  SELECT
    r.*,
    d.value_type,
    p.period_type,
    p.start_date,
    p.end_date,
    p.year,
    o.uid IS NOT NULL AS ou_known,
    c.uid IS NOT NULL AS coc_known,
    a.uid IS NOT NULL AS aoc_known,
    -- Each helper text only for the value types that read it (NULL for the others, which never
    -- read it): an expression in a CASE branch runs on that branch's rows alone.
    -- integer types: one trailing ".0" is dropped before the check
    CASE
      WHEN d.value_type NOT IN ('INTEGER', 'INTEGER_POSITIVE', 'INTEGER_NEGATIVE',
                                'INTEGER_ZERO_OR_POSITIVE') THEN NULL
      WHEN r.raw_value LIKE '%.0' THEN substring(r.raw_value, 1, length(r.raw_value) - 2)
      ELSE r.raw_value
    END AS int_text,
    CASE
      WHEN d.value_type NOT IN ('BOOLEAN', 'TRUE_ONLY') THEN NULL
      WHEN length(r.raw_value) <= 5 AND lower(r.raw_value) IN ('t', 'y', '1', 'yes', 'true')
        THEN 'true'
      WHEN length(r.raw_value) <= 5 AND lower(r.raw_value) IN ('f', 'n', '0', 'no', 'false')
        THEN 'false'
    END AS bool_text,
    CASE WHEN d.value_type = 'COORDINATE' THEN replace(r.raw_value, ' ', '') END
      AS coordinate_text,
    -- DATETIME (DateUtils.dateTimeIsValid): the text one of DHIS2's Joda patterns consumes whole,
    -- yyyy-MM-dd'T'HH[:mm[:ss[.S{1,6}]]][Z] or …ss.S{7,9}Z or yyyy-MM-dd HH:mm:ssZ, where each
    -- numeric field takes 1-2 digits (the year 1-9 and a sign), T and Z any case, the zone Z,
    -- +HH, +HHmm or +HH:mm; the ranges of each field but the day of the month are in the pattern.
    CASE
      WHEN d.value_type = 'DATETIME' THEN
        regexp_extract(r.raw_value,
          '^[+-]?[0-9]{1,9}-(0?[1-9]|1[0-2])-(0?[1-9]|[12][0-9]|3[01])('
          || '[Tt]([01]?[0-9]|2[0-3])(:[0-5]?[0-9](:[0-5]?[0-9]([.][0-9]{1,6})?)?)?'
          || '([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?'
          || '|[Tt]([01]?[0-9]|2[0-3]):[0-5]?[0-9]:[0-5]?[0-9][.][0-9]{7,9}'
          || '([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)'
          || '| ([01]?[0-9]|2[0-3]):[0-5]?[0-9]:[0-5]?[0-9]'
          || '([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?))$', 0) <> ''
    END AS datetime_shape
  FROM raw AS r
  LEFT JOIN ref('silver.data_element') AS d ON d.uid = r.de
  LEFT JOIN ref('silver.period') AS p ON p.pe = r.pe
  LEFT JOIN (SELECT DISTINCT uid FROM ref('silver.org_unit')) AS o ON o.uid = r.ou
  LEFT JOIN ref('silver.category_option_combo') AS c ON c.uid = r.coc
  LEFT JOIN ref('silver.category_option_combo') AS a ON a.uid = r.aoc
),
-- The fields of a DATETIME of the right shape (NULL otherwise), for the day-of-month check below
-- and for value_text, where each is written out padded.
datetime_fields AS (
  SELECT
    l.*,
    CASE WHEN l.datetime_shape THEN
      CAST(regexp_extract(l.raw_value, '^[+-]?[0-9]+', 0) AS BIGINT) END AS dt_year,
    CASE WHEN l.datetime_shape THEN
      CAST(regexp_extract(l.raw_value, '^[+-]?[0-9]+-([0-9]+)', 1) AS INT) END AS dt_month,
    CASE WHEN l.datetime_shape THEN
      CAST(regexp_extract(l.raw_value, '^[+-]?[0-9]+-[0-9]+-([0-9]+)', 1) AS INT) END AS dt_day,
    CASE WHEN l.datetime_shape THEN regexp_extract(l.raw_value, '[Tt ]([0-9:]+)', 1) END AS dt_clock,
    CASE WHEN l.datetime_shape THEN regexp_extract(l.raw_value, '[.]([0-9]+)', 1) END AS dt_fraction,
    CASE WHEN l.datetime_shape THEN
      regexp_extract(l.raw_value, '[0-9]([Zz]|[+-][0-9:]+)$', 1) END AS dt_zone
  FROM looked_up AS l
),
checked AS (
  SELECT
    l.*,
    CASE
      -- a comment without a value (DHIS2 reads an empty value as none: a deletion, or the comment)
      WHEN l.raw_value IS NULL OR l.raw_value = '' THEN l.comment IS NOT NULL
      WHEN length(l.raw_value) > 50000 THEN FALSE
      WHEN l.value_type IN ('NUMBER', 'UNIT_INTERVAL', 'PERCENTAGE') THEN
        length(l.raw_value) < 250
        AND regexp_extract(l.raw_value, '^(-?0|-?[1-9][0-9]*)([.][0-9]+)?$', 0) <> ''
        AND (l.value_type = 'NUMBER'
             OR (l.value_type = 'UNIT_INTERVAL'
                 AND TRY_CAST(l.raw_value AS DOUBLE) BETWEEN 0 AND 1)
             OR (l.value_type = 'PERCENTAGE'
                 AND TRY_CAST(l.raw_value AS DOUBLE) BETWEEN 0 AND 100))
      -- integer types: a constant pattern per type (a pattern chosen per row is compiled per row)
      WHEN l.value_type = 'INTEGER' THEN
        length(l.int_text) <= 11
        AND TRY_CAST(l.int_text AS DOUBLE) BETWEEN -2147483648 AND 2147483647
        AND regexp_extract(l.int_text, '^(0|-?[1-9][0-9]*)$', 0) <> ''
      WHEN l.value_type = 'INTEGER_POSITIVE' THEN
        length(l.int_text) <= 11
        AND TRY_CAST(l.int_text AS DOUBLE) BETWEEN -2147483648 AND 2147483647
        AND regexp_extract(l.int_text, '^[1-9][0-9]*$', 0) <> ''
      WHEN l.value_type = 'INTEGER_NEGATIVE' THEN
        length(l.int_text) <= 11
        AND TRY_CAST(l.int_text AS DOUBLE) BETWEEN -2147483648 AND 2147483647
        AND regexp_extract(l.int_text, '^-[1-9][0-9]*$', 0) <> ''
      WHEN l.value_type = 'INTEGER_ZERO_OR_POSITIVE' THEN
        length(l.int_text) <= 11
        AND TRY_CAST(l.int_text AS DOUBLE) BETWEEN -2147483648 AND 2147483647
        AND regexp_extract(l.int_text, '^(0|[1-9][0-9]*)$', 0) <> ''
      WHEN l.value_type = 'BOOLEAN' THEN l.bool_text IS NOT NULL
      WHEN l.value_type = 'TRUE_ONLY' THEN l.bool_text = 'true'
      -- DATE, AGE (DateUtils.dateIsValid): the whole text matches
      -- \b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[0-2])(.*)\b, so text after the day must end
      -- in a word character and hold no line terminator (Java's `.`: \n, \r, U+0085, U+2028,
      -- U+2029; RE2's `.` leaves out only \n: the others are looked for below, the last two as
      -- literal characters), then the day must exist, in a year after 0.
      WHEN l.value_type IN ('DATE', 'AGE') THEN
        regexp_extract(l.raw_value,
          '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[0-2])(.*[A-Za-z0-9_])?$', 0) <> ''
        AND substring(l.raw_value, 1, 4) <> '0000'
        AND TRY_CAST(substring(l.raw_value, 1, 10) AS DATE) IS NOT NULL
        AND (length(l.raw_value) = 10
             OR (instr(l.raw_value, chr(13)) = 0 AND instr(l.raw_value, chr(133)) = 0
                 AND instr(l.raw_value, ' ') = 0 AND instr(l.raw_value, ' ') = 0))
      WHEN l.value_type = 'DATETIME' THEN
        COALESCE(l.datetime_shape, FALSE)
        AND l.dt_year BETWEEN -292275054 AND 292278993  -- Joda's ISO chronology
        AND l.dt_day <= CASE
          WHEN l.dt_month = 2 AND l.dt_year % 4 = 0
            AND (l.dt_year % 100 <> 0 OR l.dt_year % 400 = 0) THEN 29
          WHEN l.dt_month = 2 THEN 28
          WHEN l.dt_month IN (4, 6, 9, 11) THEN 30
          ELSE 31
        END
      WHEN l.value_type = 'TIME' THEN
        regexp_extract(l.raw_value, '^([0-9]|[01][0-9]|2[0-3]):[0-5][0-9]$', 0) <> ''
      -- LETTER (ValidationUtils.isValidLetter: one Java char that Character.isLetter): the letter
      -- ranges of the common scripts, as IsLetterCodePoint in src/dhis2/value_type.cc lists them.
      WHEN l.value_type = 'LETTER' THEN
        regexp_extract(l.raw_value,
          '^[A-Za-zªµºÀ-ÖØ-öø-ˁˆ-ˑˠ-ˤͰ-ʹͶ-ͷͺ-ͽͿΆΈ-ϵϷ-ҁҊ-ԯԱ-Ֆա-ևא-תؠ-يٱ-ۓऄ-हक़-ॡঅ-হਅ-ਹઅ-હଅ-ହஅ-ஹఅ-హಅ-ಹഅ-ഺก-ะກ-ະሀ-ፚក-ឳḀ-ᾼぁ-ゖァ-ヺ㐀-䶿一-鿿가-힣]$', 0) <> ''
      -- PHONE_NUMBER (ValidationUtils.isPhoneNumber ^[0-9+\(\)#\.\s\/ext-]{6,50}$): Java's \s is
      -- a space, \t, \n, \x0B, \f or \r; the five controls are read as spaces here.
      WHEN l.value_type = 'PHONE_NUMBER' THEN
        regexp_extract(
          replace(replace(replace(replace(replace(l.raw_value,
            chr(9), ' '), chr(10), ' '), chr(11), ' '), chr(12), ' '), chr(13), ' '),
          '^[0-9+()#. /ext-]{6,50}$', 0) <> ''
      WHEN l.value_type = 'EMAIL' THEN
        regexp_extract(l.raw_value, '^[^@ ]+@[^@ ]+[.][^@ ]+$', 0) <> ''
      WHEN l.value_type = 'URL' THEN
        regexp_extract(l.raw_value, '^(https?|ftp)://[^ ]+$', 0) <> ''
      WHEN l.value_type = 'USERNAME' THEN
        length(l.raw_value) BETWEEN 4 AND 255
        AND regexp_extract(l.raw_value, '^[a-zA-Z0-9]+([-_.@][a-zA-Z0-9]+)*$', 0) <> ''
      WHEN l.value_type IN ('ORGANISATION_UNIT', 'FILE_RESOURCE', 'IMAGE') THEN
        regexp_extract(l.raw_value, '^[a-zA-Z][a-zA-Z0-9]{10}$', 0) <> ''
      WHEN l.value_type = 'COORDINATE' THEN
        l.coordinate_text LIKE '[%]'
        AND regexp_extract(substring(l.coordinate_text, 2, length(l.coordinate_text) - 2),
          '^-?[0-9]+([.][0-9]+)?,-?[0-9]+([.][0-9]+)?(,.*)?$', 0) <> ''
        AND TRY_CAST(regexp_extract(l.coordinate_text, '^.(-?[0-9.]+),', 1) AS DOUBLE)
          BETWEEN -180 AND 180
        AND TRY_CAST(regexp_extract(l.coordinate_text, '^.[^,]+,(-?[0-9.]+)', 1) AS DOUBLE)
          BETWEEN -90 AND 90
      ELSE l.value_type IS NOT NULL  -- TEXT, LONG_TEXT, MULTI_TEXT, REFERENCE, GEOJSON, ...
    END AS value_valid
  FROM datetime_fields AS l
)
SELECT
  de,
  pe,
  ou,
  coc,
  aoc,
  CASE
    WHEN NOT COALESCE(value_valid, FALSE) THEN CAST(NULL AS DOUBLE)
    WHEN value_type IN ('NUMBER', 'UNIT_INTERVAL', 'PERCENTAGE') THEN TRY_CAST(raw_value AS DOUBLE)
    WHEN value_type IN ('INTEGER', 'INTEGER_POSITIVE', 'INTEGER_NEGATIVE',
                        'INTEGER_ZERO_OR_POSITIVE') THEN TRY_CAST(int_text AS DOUBLE)
    WHEN value_type IN ('BOOLEAN', 'TRUE_ONLY') THEN
      CASE WHEN bool_text = 'true' THEN 1.0 ELSE 0.0 END
    ELSE CAST(NULL AS DOUBLE)
  END AS value,
  CASE
    WHEN NOT COALESCE(value_valid, FALSE) THEN raw_value
    WHEN value_type IN ('INTEGER', 'INTEGER_POSITIVE', 'INTEGER_NEGATIVE',
                        'INTEGER_ZERO_OR_POSITIVE') THEN int_text
    WHEN value_type IN ('BOOLEAN', 'TRUE_ONLY') THEN bool_text
    WHEN value_type IN ('DATE', 'AGE') THEN substring(raw_value, 1, 10)
    WHEN value_type = 'DATETIME' AND datetime_shape THEN concat(
      CASE WHEN dt_year < 0 THEN '-' ELSE '' END,
      CASE
        WHEN abs(dt_year) < 1000 THEN lpad(CAST(abs(dt_year) AS STRING), 4, '0')
        ELSE CAST(abs(dt_year) AS STRING)
      END,
      '-', lpad(CAST(dt_month AS STRING), 2, '0'), '-', lpad(CAST(dt_day AS STRING), 2, '0'),
      'T', lpad(split_part(dt_clock, ':', 1), 2, '0'),
      ':', lpad(COALESCE(NULLIF(split_part(dt_clock, ':', 2), ''), '0'), 2, '0'),
      ':', lpad(COALESCE(NULLIF(split_part(dt_clock, ':', 3), ''), '0'), 2, '0'),
      CASE WHEN dt_fraction <> '' THEN concat('.', dt_fraction) ELSE '' END,
      CASE
        WHEN dt_zone = '' THEN ''
        WHEN upper(dt_zone) = 'Z' THEN 'Z'
        WHEN length(dt_zone) = 3 THEN concat(dt_zone, ':00')
        ELSE concat(substring(dt_zone, 1, 3), ':', substring(dt_zone, length(dt_zone) - 1, 2))
      END)
    WHEN value_type = 'TIME' AND length(raw_value) = 4 THEN concat('0', raw_value)
    ELSE raw_value
  END AS value_text,
  value_type,
  period_type,
  start_date,
  end_date,
  year,
  stored_by,
  created,
  last_updated,
  comment,
  followup,
  deleted,
  _ingested_at,
  deliveries,
  conflicting,
  ou_known,
  coc_known,
  aoc_known,
  COALESCE(value_valid, FALSE) AS value_valid
FROM checked
