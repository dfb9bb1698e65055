-- Tracked entities, latest version per entity (updatedAt, then ingestion); a deleted latest version
-- removes it. Attribute values are in silver.tracked_entity_attribute (personal ones hashed).
-- materialized: incremental
-- unique_key: tracked_entity
-- order_by: updated_at, _ingested_at
-- deleted: deleted
-- expect: has_type | tracked_entity_type IS NOT NULL | warn
-- expect: has_uid | tracked_entity IS NOT NULL | quarantine
SELECT
  trackedEntity AS tracked_entity,
  trackedEntityType AS tracked_entity_type,
  orgUnit AS ou,
  createdAt AS created_at,
  updatedAt AS updated_at,
  COALESCE(inactive, FALSE) AS inactive,
  COALESCE(deleted, FALSE) AS deleted,
  _ingested_at
FROM ref('bronze.tracked_entity')
