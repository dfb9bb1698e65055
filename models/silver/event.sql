-- Tracker and event-program events, latest version per event (updatedAt, then ingestion);
-- a deleted latest version removes the event. Data values are in silver.event_data_value.
-- materialized: incremental
-- unique_key: event
-- order_by: updated_at, _ingested_at
-- deleted: deleted
-- expect: has_program | program IS NOT NULL | warn
-- expect: has_uid | event IS NOT NULL | quarantine
SELECT
  event,
  program,
  programStage AS program_stage,
  enrollment,
  trackedEntity AS tracked_entity,
  orgUnit AS ou,
  status,
  occurredAt AS occurred_at,
  scheduledAt AS scheduled_at,
  createdAt AS created_at,
  updatedAt AS updated_at,
  completedAt AS completed_at,
  attributeOptionCombo AS aoc,
  storedBy AS stored_by,
  COALESCE(deleted, FALSE) AS deleted,
  _ingested_at
FROM ref('bronze.event')
