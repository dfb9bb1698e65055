-- One row per event (not deleted) with its enrollment's fields, the org-unit structure
-- (level1_uid .. level8_uid of the event's org unit) and the period structure of its event date
-- (monthly, quarterly, yearly period ids), like DHIS2's analytics_event tables. Data element values
-- are in gold.tracker_value (long form, keyed by event), not one column per data element.
-- materialized: table
-- depends_on: silver.event, silver.enrollment, silver.org_unit
WITH units AS (
  SELECT * FROM ref('silver.org_unit') WHERE valid_to IS NULL
)
SELECT
  e.event,
  e.program,
  e.program_stage,
  e.enrollment,
  e.tracked_entity,
  e.ou,
  u.level AS ou_level,
  u.level1_uid, u.level2_uid, u.level3_uid, u.level4_uid,
  u.level5_uid, u.level6_uid, u.level7_uid, u.level8_uid,
  e.status,
  e.occurred_at,
  e.scheduled_at,
  e.created_at,
  e.updated_at,
  e.completed_at,
  e.aoc,
  n.enrolled_at,
  n.occurred_at AS incident_at,
  n.status AS enrollment_status,
  n.ou AS enrollment_ou,
  CASE WHEN e.occurred_at IS NOT NULL THEN
    concat(CAST(year(e.occurred_at) AS STRING), lpad(CAST(month(e.occurred_at) AS STRING), 2, '0'))
  END AS monthly,
  CASE WHEN e.occurred_at IS NOT NULL THEN
    concat(CAST(year(e.occurred_at) AS STRING), 'Q', CAST(quarter(e.occurred_at) AS STRING))
  END AS quarterly,
  CAST(year(e.occurred_at) AS STRING) AS yearly
FROM ref('silver.event') AS e
LEFT JOIN ref('silver.enrollment') AS n ON n.enrollment = e.enrollment AND NOT n.deleted
LEFT JOIN units AS u ON u.uid = e.ou
WHERE NOT e.deleted
