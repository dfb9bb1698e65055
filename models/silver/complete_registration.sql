-- Data set completions (DHIS2's completeDataSetRegistrations), latest version per key.
-- Bronze holds repeated fetches (trailing periods are re-fetched each run): the latest lastUpdated
-- (then the latest ingestion) wins. `completed` FALSE is kept (an un-completed registration).
-- materialized: incremental
-- unique_key: data_set, pe, ou, aoc
-- order_by: last_updated, _ingested_at
-- recompute_on: silver.period.pe = pe
-- recompute_on: silver.org_unit.uid = ou
-- recompute_on: silver.data_set.uid = data_set
-- expect: invalid_period | period_type IS NOT NULL | quarantine
-- expect: unknown_org_unit | ou_known | quarantine
-- expect: unknown_data_set | data_set_known | quarantine
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
  r._ingested_at,
  o.uid IS NOT NULL AS ou_known,
  d.uid IS NOT NULL AS data_set_known
FROM ref('bronze.complete_registration') AS r
LEFT JOIN ref('silver.period') AS p ON p.pe = r.period
LEFT JOIN (SELECT DISTINCT uid FROM ref('silver.org_unit')) AS o ON o.uid = r.organisationUnit
LEFT JOIN ref('silver.data_set') AS d ON d.uid = r.dataSet
