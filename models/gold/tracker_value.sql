-- The values companion of gold.event_analytics and gold.enrollment_analytics, in long form: one row
-- per event x data element (item_type 'data_element', keyed by event, with its enrollment and
-- stage) and per enrollment x tracked-entity attribute (item_type 'attribute', keyed by
-- enrollment; event NULL). `value` is the number (numeric and boolean value types), `value_text`
-- the value as received (personal attributes as HMAC hashes).
-- materialized: table
-- depends_on: silver.event, silver.event_data_value, silver.enrollment, silver.tracked_entity_attribute
SELECT
  v.event,
  e.enrollment,
  e.program,
  e.program_stage,
  'data_element' AS item_type,
  v.de AS item,
  v.value,
  v.value_text
FROM ref('silver.event_data_value') AS v
JOIN ref('silver.event') AS e ON e.event = v.event AND NOT e.deleted
UNION ALL
SELECT
  CAST(NULL AS STRING) AS event,
  n.enrollment,
  n.program,
  CAST(NULL AS STRING) AS program_stage,
  'attribute' AS item_type,
  a.attribute AS item,
  TRY_CAST(a.value AS DOUBLE) AS value,
  a.value AS value_text
FROM ref('silver.tracked_entity_attribute') AS a
JOIN ref('silver.enrollment') AS n ON n.tracked_entity = a.tracked_entity AND NOT n.deleted
