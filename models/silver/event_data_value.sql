-- The data values of events (long form), from the latest version of each event (updatedAt, then
-- ingestion; deleted events have none). `value` is the number for numeric value types of the data
-- element and 1/0 for BOOLEAN and TRUE_ONLY (NULL otherwise and for values that do not parse);
-- `value_text` is the value as received. `updated_at` is the value's own updatedAt read as UTC
-- (tracker payloads carry no zone).
-- materialized: table
-- expect: invalid_utf8 | regexp_extract(COALESCE(value_text, ''), '[\x{F0080}-\x{F00FF}]', 0) = '' | quarantine
-- depends_on: silver.data_element
WITH latest AS (
  SELECT * FROM (
    SELECT
      e.*,
      row_number() OVER (
        PARTITION BY event ORDER BY updatedAt DESC NULLS LAST, _ingested_at DESC NULLS LAST)
        AS version_rank
    FROM ref('bronze.event') AS e
  ) AS r
  WHERE version_rank = 1 AND NOT COALESCE(deleted, FALSE)
),
-- Each event's array is parsed once (from_json + explode), not once per element.
exploded AS (
  SELECT
    event,
    item.dataElement AS de,
    item.value AS value_text,
    item.updatedAt AS updated_text
  FROM (
    SELECT
      event,
      explode(from_json(dataValues,
        'array<struct<dataElement:string,value:string,updatedAt:string>>')) AS item
    FROM latest
  ) AS items
)
SELECT
  x.event,
  x.de,
  CASE
    WHEN d.value_type IN ('NUMBER', 'UNIT_INTERVAL', 'PERCENTAGE', 'INTEGER', 'INTEGER_POSITIVE',
                          'INTEGER_NEGATIVE', 'INTEGER_ZERO_OR_POSITIVE')
      THEN TRY_CAST(x.value_text AS DOUBLE)
    WHEN d.value_type IN ('BOOLEAN', 'TRUE_ONLY') THEN
      CASE
        WHEN lower(x.value_text) = 'true' THEN 1.0
        WHEN lower(x.value_text) = 'false' THEN 0.0
      END
  END AS value,
  x.value_text,
  TRY_CAST(substring(x.updated_text, 1, 23) AS TIMESTAMP) AS updated_at
FROM exploded AS x
LEFT JOIN ref('silver.data_element') AS d ON d.uid = x.de
WHERE x.de IS NOT NULL
