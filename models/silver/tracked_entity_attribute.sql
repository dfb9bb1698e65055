-- The attribute values of tracked entities (long form), from the latest version of each entity
-- (updatedAt, then ingestion; deleted entities have none). Personal attributes arrive from bronze
-- as HMAC-SHA256 hashes and stay so.
-- materialized: table
-- expect: invalid_utf8 | regexp_extract(COALESCE(value, ''), '[\x{F0080}-\x{F00FF}]', 0) = '' | quarantine
WITH latest AS (
  SELECT * FROM (
    SELECT
      t.*,
      row_number() OVER (
        PARTITION BY trackedEntity ORDER BY updatedAt DESC NULLS LAST, _ingested_at DESC NULLS LAST)
        AS version_rank
    FROM ref('bronze.tracked_entity') AS t
  ) AS r
  WHERE version_rank = 1 AND NOT COALESCE(deleted, FALSE)
),
exploded AS (
  SELECT
    tracked_entity,
    get_json_object(attributes, concat('$[', CAST(i AS STRING), '].attribute')) AS attribute,
    get_json_object(attributes, concat('$[', CAST(i AS STRING), '].value')) AS value
  FROM (
    SELECT
      trackedEntity AS tracked_entity,
      attributes,
      explode(sequence(0, json_array_length(attributes) - 1)) AS i
    FROM latest
    WHERE json_array_length(attributes) > 0
  ) AS items
)
SELECT tracked_entity, attribute, MAX(value) AS value
FROM exploded
WHERE attribute IS NOT NULL
GROUP BY tracked_entity, attribute
