-- Aggregate data values, latest version per key, typed by the data element's value type.
-- Rules mirror src/dhis2/value_type.h (dhis2-core's ValidationUtils.valueIsValid after
-- normalizeValue; docs/aggregation.md section 2.1): numbers as DOUBLE in `value` (integers 32-bit,
-- one trailing ".0" dropped, NUMBER strict), BOOLEAN/TRUE_ONLY as 1/0 with "true"/"false" in
-- value_text (any case, t/f/y/n/yes/no/1/0), DATE/AGE as yyyy-MM-dd, DATETIME and text as received.
-- Approximations (as in value_type.h's notes): EMAIL, URL, LETTER, PHONE_NUMBER, COORDINATE.
-- Identical re-deliveries (same key, lastUpdated and value) collapse to one row; `deliveries`
-- counts them within one extraction run (the most any run delivered: a server repeating a record
-- across pages). A later run fetching the same version again (the extractor reaches back
-- `overlap_seconds` before its watermark on purpose) is not counted, so that it leaves the row as it
-- was. The same key and lastUpdated with different values is a conflict (rejected).
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
-- expect: unknown_data_element | value_type IS NOT NULL | quarantine
-- expect: invalid_period | period_type IS NOT NULL | quarantine
-- expect: unknown_org_unit | ou_known | quarantine
-- expect: unknown_category_option_combo | coc_known AND aoc_known | quarantine
-- expect: value_invalid_for_value_type | value_type IS NULL OR value_valid | quarantine
-- expect: conflicting_duplicate | NOT conflicting | quarantine
-- expect: redelivered | deliveries = 1 | warn
WITH received AS (
  SELECT
    *,
    COUNT(*) OVER (
      PARTITION BY dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo,
        lastUpdated, _run_id) AS run_deliveries
  FROM ref('bronze.data_value')
),
raw AS (
  SELECT
    dataElement AS de,
    period AS pe,
    orgUnit AS ou,
    categoryOptionCombo AS coc,
    attributeOptionCombo AS aoc,
    value AS raw_value,
    storedBy AS stored_by,
    created,
    lastUpdated AS last_updated,
    comment,
    followup,
    COALESCE(deleted, FALSE) AS deleted,
    _ingested_at,
    MAX(run_deliveries) OVER (
      PARTITION BY dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo,
        lastUpdated) AS deliveries,
    MIN(COALESCE(value, '')) OVER (
      PARTITION BY dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo,
        lastUpdated) <> MAX(COALESCE(value, '')) OVER (
      PARTITION BY dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo,
        lastUpdated) AS conflicting
  FROM received
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
    -- integer types: one trailing ".0" is dropped before the check
    CASE
      WHEN r.raw_value LIKE '%.0' THEN substring(r.raw_value, 1, length(r.raw_value) - 2)
      ELSE r.raw_value
    END AS int_text,
    CASE
      WHEN length(r.raw_value) <= 5 AND lower(r.raw_value) IN ('t', 'y', '1', 'yes', 'true')
        THEN 'true'
      WHEN length(r.raw_value) <= 5 AND lower(r.raw_value) IN ('f', 'n', '0', 'no', 'false')
        THEN 'false'
    END AS bool_text,
    replace(r.raw_value, ' ', '') AS coordinate_text
  FROM raw AS r
  LEFT JOIN ref('silver.data_element') AS d ON d.uid = r.de
  LEFT JOIN ref('silver.period') AS p ON p.pe = r.pe
  LEFT JOIN (SELECT DISTINCT uid FROM ref('silver.org_unit')) AS o ON o.uid = r.ou
  LEFT JOIN ref('silver.category_option_combo') AS c ON c.uid = r.coc
  LEFT JOIN ref('silver.category_option_combo') AS a ON a.uid = r.aoc
),
checked AS (
  SELECT
    l.*,
    CASE
      WHEN l.raw_value IS NULL THEN l.comment IS NOT NULL  -- a comment without a value
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
      WHEN l.value_type IN ('DATE', 'AGE') THEN
        regexp_extract(l.raw_value, '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[0-2])', 0) <> ''
        AND substring(l.raw_value, 1, 4) <> '0000'
        AND TRY_CAST(substring(l.raw_value, 1, 10) AS DATE) IS NOT NULL
      WHEN l.value_type = 'DATETIME' THEN
        regexp_extract(l.raw_value,
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}(:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?|'
          || ' [0-9]{2}:[0-9]{2}:[0-9]{2})(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$', 0) <> ''
        AND TRY_CAST(substring(l.raw_value, 1, 10) AS DATE) IS NOT NULL
      WHEN l.value_type = 'TIME' THEN
        regexp_extract(l.raw_value, '^([0-9]|[01][0-9]|2[0-3]):[0-5][0-9]$', 0) <> ''
      WHEN l.value_type = 'LETTER' THEN
        length(l.raw_value) = 1 AND lower(l.raw_value) <> upper(l.raw_value)
      WHEN l.value_type = 'PHONE_NUMBER' THEN
        regexp_extract(l.raw_value, '^[0-9+()#. /ext-]{6,50}$', 0) <> ''
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
  FROM looked_up AS l
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
