-- Data set completions (DHIS2's completeDataSetRegistrations), latest version per key.
-- Bronze holds repeated fetches (trailing periods are re-fetched each run): the latest lastUpdated
-- (then the latest ingestion) wins. `completed` FALSE is kept (an un-completed registration).
-- DHIS2 hard-deletes registrations and serves no tombstones, so a server's re-fetched window is
-- taken as a snapshot. A registration that a window (data set x subtree x period, recorded in
-- bronze.complete_registration_window after the run's registrations) covers, fetched after the
-- registration was last delivered and by a run that did not deliver it, was deleted and leaves
-- the table. Export folders record no windows (a file is never a snapshot).
-- Partitioned by `year`, the year of DHIS2's period structure the period belongs to (its Yearly
-- period, dhis2::StructurePeriod: by the start date, plus 3 days for weeks, so a week starting 29-31
-- December belongs to the next year; a period as long as a year or longer, its start year), which
-- is gold.reporting_rate's partition: a month's registrations rewrite none of the other years.
-- materialized: incremental
-- unique_key: data_set, pe, ou, aoc
-- partition_by: year
-- order_by: last_updated, _ingested_at
-- deleted: deleted
-- recompute_on: bronze.complete_registration_window.period = pe
-- recompute_on: silver.period.pe = pe
-- recompute_on: silver.org_unit.uid = ou
-- recompute_on: silver.data_set.uid = data_set
-- Every row of a key comes from the bronze rows of that key (last_delivery groups by the key;
-- windows and units are read whole), so an incremental run reads only the bronze registrations of
-- the keys it recomputes, not the model over all of bronze.
-- key_input: bronze.complete_registration | data_set = dataSet
-- key_input: bronze.complete_registration | pe = period
-- key_input: bronze.complete_registration | ou = organisationUnit
-- key_input: bronze.complete_registration | aoc = attributeOptionCombo
-- Each run re-fetches the trailing periods whole, so most of its registrations are the versions the
-- table holds already: a key whose added rows alone give one row equal to the table's (delivered
-- by the latest run, it is in none of that run's windows' deletions, and its latest version is
-- the one re-delivered) keeps its row and is not recomputed from all its versions.
-- unchanged_redelivery: true
-- expect: invalid_period | period_type IS NOT NULL | quarantine
-- expect: unknown_org_unit | ou_known | quarantine
-- expect: unknown_data_set | data_set_known | quarantine
-- Each key's last delivery and the run that made it. A window fetched after that delivery by
-- another run was fetched by a run that did not deliver the key: runs follow one another, and a
-- run records its windows after its registrations, so a window fetched after the key's last
-- delivery comes from that delivery's run or a later one, which delivered nothing of the key.
-- (A list of every run's deliveries of every key, anti-joined with the windows, cost 40% of the
-- model's CPU at medium scale.)
WITH last_delivery AS (
  SELECT dataSet, period, organisationUnit, attributeOptionCombo, max(_ingested_at) AS last_seen,
         max_by(_run_id, _ingested_at) AS last_run
  FROM ref('bronze.complete_registration')
  GROUP BY dataSet, period, organisationUnit, attributeOptionCombo
),
current_ancestor AS (
  -- each current unit with itself and each of its ancestors (the uids of its path "/a/b/c"), so
  -- that a window reaches the units of its subtree by an equality join (a LIKE on the path
  -- compared every registration with every window of its data set and period: 82M pairs for a
  -- large country)
  SELECT uid, ancestor FROM (
    SELECT o.uid, NULLIF(split_part(o.path, '/', a.part), '') AS ancestor
    FROM ref('silver.org_unit') AS o
    CROSS JOIN (VALUES (2), (3), (4), (5), (6), (7), (8), (9)) AS a(part)
    WHERE o.valid_to IS NULL
  ) AS parts
  WHERE ancestor IS NOT NULL
),
gone AS (
  SELECT DISTINCT d.dataSet, d.period, d.organisationUnit, d.attributeOptionCombo
  FROM last_delivery AS d
  JOIN current_ancestor AS u ON u.uid = d.organisationUnit
  JOIN ref('bronze.complete_registration_window') AS w
    ON w.dataSet = d.dataSet AND w.period = d.period AND w.orgUnit = u.ancestor
    AND w._ingested_at > d.last_seen AND w._run_id <> d.last_run
)
SELECT
  r.dataSet AS data_set,
  r.period AS pe,
  r.organisationUnit AS ou,
  r.attributeOptionCombo AS aoc,
  COALESCE(r.completed, TRUE) AS completed,
  r.date AS completed_at,
  r.storedBy AS stored_by,
  r.lastUpdated AS last_updated,
  p.period_type,
  p.start_date,
  p.end_date,
  COALESCE(TRY_CAST(p.yearly AS INT), p.year) AS year,
  g.dataSet IS NOT NULL AS deleted,
  r._ingested_at,
  o.uid IS NOT NULL AS ou_known,
  d.uid IS NOT NULL AS data_set_known
FROM ref('bronze.complete_registration') AS r
LEFT JOIN ref('silver.period') AS p ON p.pe = r.period
LEFT JOIN (SELECT DISTINCT uid FROM ref('silver.org_unit')) AS o ON o.uid = r.organisationUnit
LEFT JOIN ref('silver.data_set') AS d ON d.uid = r.dataSet
LEFT JOIN gone AS g
  ON g.dataSet = r.dataSet AND g.period = r.period AND g.organisationUnit = r.organisationUnit
  AND g.attributeOptionCombo IS NOT DISTINCT FROM r.attributeOptionCombo
