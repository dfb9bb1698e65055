-- Relationships between tracked entities (or their enrollments and events), one row per
-- relationship, from its latest listing (updatedAt, then ingestion). Bronze holds a relationship once per
-- person listing it (docs/extraction.md); the ends are read from the record as received
-- ({"trackedEntity": {"trackedEntity": uid}} from 2.41, {"trackedEntity": uid} before).
-- A relationship whose person is deleted is gone (DHIS2 deletes a tracked entity's relationships
-- with it; its lists no longer show them, but bronze keeps earlier listings).
-- materialized: table
WITH latest AS (
  SELECT * FROM (
    SELECT
      b.*,
      row_number() OVER (
        PARTITION BY relationship ORDER BY updatedAt DESC NULLS LAST, _ingested_at DESC NULLS LAST)
        AS version_rank
    FROM ref('bronze.relationship') AS b
    WHERE relationship IS NOT NULL
  ) AS r
  WHERE version_rank = 1
),
ends AS (
  SELECT
    relationship,
    relationshipType AS relationship_type,
    relationshipName AS relationship_name,
    COALESCE(bidirectional, FALSE) AS bidirectional,
    COALESCE(
      get_json_object(record, '$.from.trackedEntity.trackedEntity'),
      get_json_object(record, '$.from.trackedEntity')) AS from_tracked_entity,
    COALESCE(
      get_json_object(record, '$.from.enrollment.enrollment'),
      get_json_object(record, '$.from.enrollment')) AS from_enrollment,
    COALESCE(
      get_json_object(record, '$.from.event.event'),
      get_json_object(record, '$.from.event')) AS from_event,
    COALESCE(
      get_json_object(record, '$.to.trackedEntity.trackedEntity'),
      get_json_object(record, '$.to.trackedEntity')) AS to_tracked_entity,
    COALESCE(
      get_json_object(record, '$.to.enrollment.enrollment'),
      get_json_object(record, '$.to.enrollment')) AS to_enrollment,
    COALESCE(
      get_json_object(record, '$.to.event.event'),
      get_json_object(record, '$.to.event')) AS to_event,
    createdAt AS created_at,
    updatedAt AS updated_at
  FROM latest
  WHERE NOT COALESCE(deleted, FALSE)
),
live_people AS (
  SELECT tracked_entity FROM ref('silver.tracked_entity')
)
SELECT r.*
FROM ends AS r
WHERE (r.from_tracked_entity IS NULL
       OR r.from_tracked_entity IN (SELECT tracked_entity FROM live_people))
  AND (r.to_tracked_entity IS NULL
       OR r.to_tracked_entity IN (SELECT tracked_entity FROM live_people))
