-- Enrollments in tracker programs, latest version per enrollment (updatedAt, then ingestion); a
-- deleted latest version removes it.
-- materialized: incremental
-- unique_key: enrollment
-- order_by: updated_at, _ingested_at
-- deleted: deleted
-- expect: has_program | program IS NOT NULL | warn
-- expect: has_uid | enrollment IS NOT NULL | quarantine
SELECT
  enrollment,
  trackedEntity AS tracked_entity,
  program,
  orgUnit AS ou,
  status,
  enrolledAt AS enrolled_at,
  occurredAt AS occurred_at,
  createdAt AS created_at,
  updatedAt AS updated_at,
  completedAt AS completed_at,
  followUp AS follow_up,
  COALESCE(deleted, FALSE) AS deleted,
  _ingested_at
FROM ref('bronze.enrollment')
