-- One row per enrollment (not deleted) with the org-unit structure (level1_uid .. level8_uid of its
-- org unit) and the period structure of its enrollment date (monthly, quarterly, yearly period
-- ids), like DHIS2's analytics_enrollment tables. Attribute values are in gold.tracker_value (long
-- form, keyed by enrollment; personal ones stay HMAC hashes).
-- materialized: table
-- depends_on: silver.enrollment, silver.org_unit
WITH units AS (
  SELECT * FROM ref('silver.org_unit') WHERE valid_to IS NULL
)
SELECT
  n.enrollment,
  n.program,
  n.tracked_entity,
  n.ou,
  u.level AS ou_level,
  u.level1_uid, u.level2_uid, u.level3_uid, u.level4_uid,
  u.level5_uid, u.level6_uid, u.level7_uid, u.level8_uid,
  n.status,
  n.enrolled_at,
  n.occurred_at AS incident_at,
  n.created_at,
  n.updated_at,
  n.completed_at,
  n.follow_up,
  CASE WHEN n.enrolled_at IS NOT NULL THEN
    concat(CAST(year(n.enrolled_at) AS STRING), lpad(CAST(month(n.enrolled_at) AS STRING), 2, '0'))
  END AS monthly,
  CASE WHEN n.enrolled_at IS NOT NULL THEN
    concat(CAST(year(n.enrolled_at) AS STRING), 'Q', CAST(quarter(n.enrolled_at) AS STRING))
  END AS quarterly,
  CAST(year(n.enrolled_at) AS STRING) AS yearly
FROM ref('silver.enrollment') AS n
LEFT JOIN units AS u ON u.uid = n.ou
WHERE NOT n.deleted
