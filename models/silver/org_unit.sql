-- Organisation units with the hierarchy flattened, as a type 2 slowly changing dimension.
-- Every distinct version of a unit that bronze has seen (moved: another path; renamed; closed or
-- reopened; recoded; its geometry redrawn) is one row. Versions are ordered and dated by the unit's
-- own lastUpdated, never by our clock, so a run gives the same table whatever the order and
-- number of syncs that delivered the versions (bronze keeps them all): `valid_from` is NULL on the
-- first known version and the version's first lastUpdated after it, `valid_to` the next version's
-- `valid_from` (NULL on the current one, `is_current`). Repeated deliveries of the same state and
-- edits of fields not kept here (translations, attributes) do not start a version; `last_updated` is
-- the version's latest lastUpdated. A unit DHIS2 deleted (bronze.deleted_object) at or after its
-- latest version's lastUpdated has that version closed at the deletion (`valid_to`): it leaves the
-- current hierarchy and history keeps it.
-- level1..8 come from the version's own path (or, when bronze has none, the path its chain of
-- parents gives: DHIS2's metadata import files carry `parent` only); the names are those of each ancestor's version that
-- was valid when this version ended (the current names for current versions). Units without a path
-- or deeper than 8 levels go to silver.rejects (docs/tables.md fixes 8 level columns).
-- The per-level columns and ancestor joins come from the generators 'org_unit_path_uids',
-- 'org_unit_level_columns' and 'org_unit_ancestor_joins' (src/pipeline/dimension_generators.h).
-- materialized: table
-- expect: org_unit_without_path | path IS NOT NULL AND substring(path, 1, 1) = '/' | quarantine
-- expect: hierarchy_deeper_than_8_levels | level <= 8 | quarantine
WITH received AS (
  SELECT
    id AS uid,
    code,
    name,
    get_json_object(object, '$.shortName') AS short_name,
    get_json_object(object, '$.path') AS path,
    get_json_object(object, '$.parent.id') AS parent_in_object,
    TRY_CAST(get_json_object(object, '$.level') AS DOUBLE) AS level_in_object,
    TRY_CAST(substring(get_json_object(object, '$.openingDate'), 1, 10) AS DATE) AS opening_date,
    TRY_CAST(substring(get_json_object(object, '$.closedDate'), 1, 10) AS DATE) AS closed_date,
    get_json_object(object, '$.geometry') AS geometry,
    get_json_object(object, '$.geometry.type') AS geometry_type,
    lastUpdated AS last_updated,
    _ingested_at
  FROM ref('bronze.metadata_organisation_unit')
),
delivered AS (
  -- one row per unit and lastUpdated: the latest delivery of it
  SELECT * FROM (
    SELECT
      r.*,
      row_number() OVER (
        PARTITION BY uid, last_updated ORDER BY _ingested_at DESC NULLS LAST) AS delivery
    FROM received AS r
  ) AS d
  WHERE delivery = 1
),
compared AS (
  SELECT
    d.*,
    CASE
      WHEN row_number() OVER (
        PARTITION BY uid ORDER BY last_updated ASC NULLS FIRST) = 1 THEN 1
      WHEN code IS DISTINCT FROM LAG(code) OVER (
          PARTITION BY uid ORDER BY last_updated ASC NULLS FIRST)
        OR name IS DISTINCT FROM LAG(name) OVER (
          PARTITION BY uid ORDER BY last_updated ASC NULLS FIRST)
        OR short_name IS DISTINCT FROM LAG(short_name) OVER (
          PARTITION BY uid ORDER BY last_updated ASC NULLS FIRST)
        OR path IS DISTINCT FROM LAG(path) OVER (
          PARTITION BY uid ORDER BY last_updated ASC NULLS FIRST)
        OR parent_in_object IS DISTINCT FROM LAG(parent_in_object) OVER (
          PARTITION BY uid ORDER BY last_updated ASC NULLS FIRST)
        OR opening_date IS DISTINCT FROM LAG(opening_date) OVER (
          PARTITION BY uid ORDER BY last_updated ASC NULLS FIRST)
        OR closed_date IS DISTINCT FROM LAG(closed_date) OVER (
          PARTITION BY uid ORDER BY last_updated ASC NULLS FIRST)
        OR geometry IS DISTINCT FROM LAG(geometry) OVER (
          PARTITION BY uid ORDER BY last_updated ASC NULLS FIRST) THEN 1
      ELSE 0
    END AS starts_version
  FROM delivered AS d
),
numbered AS (
  SELECT
    c.*,
    SUM(starts_version) OVER (
      PARTITION BY uid ORDER BY last_updated ASC NULLS FIRST
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS version_number
  FROM compared AS c
),
versions AS (
  -- the fields are equal within a version, so MAX picks them
  SELECT
    uid,
    version_number,
    MAX(code) AS code,
    MAX(name) AS name,
    MAX(short_name) AS short_name,
    MAX(path) AS path,
    MAX(parent_in_object) AS parent_in_object,
    MAX(level_in_object) AS level_in_object,
    MAX(opening_date) AS opening_date,
    MAX(closed_date) AS closed_date,
    MAX(geometry) AS geometry,
    MAX(geometry_type) AS geometry_type,
    MIN(last_updated) AS first_updated,
    MAX(last_updated) AS last_updated
  FROM numbered
  GROUP BY uid, version_number
),
latest_parent AS (
  -- each unit's parent in its latest version
  SELECT uid, parent_in_object AS parent FROM (
    SELECT
      uid,
      parent_in_object,
      row_number() OVER (PARTITION BY uid ORDER BY version_number DESC NULLS LAST) AS latest
    FROM versions
  ) AS l
  WHERE latest = 1
),
located AS (
  -- a version without a path (DHIS2's metadata import files carry the parent only) takes the one
  -- its chain of parents (each ancestor's latest version) gives, up to 8 levels; without a parent
  -- it is a root unless its level says otherwise; an unknown ancestor or a deeper chain leaves it
  -- without one (quarantined)
  SELECT
    v.uid,
    v.version_number,
    v.code,
    v.name,
    v.short_name,
    COALESCE(v.path, CASE
      WHEN v.uid IS NULL THEN NULL
      WHEN v.parent_in_object IS NULL AND COALESCE(v.level_in_object, 1) = 1
        THEN concat('/', v.uid)
      WHEN v.parent_in_object IS NULL THEN NULL
      WHEN a1.uid IS NULL THEN NULL
      WHEN a1.parent IS NULL THEN concat('/', a1.uid, '/', v.uid)
      WHEN a2.uid IS NULL THEN NULL
      WHEN a2.parent IS NULL THEN concat('/', a2.uid, '/', a1.uid, '/', v.uid)
      WHEN a3.uid IS NULL THEN NULL
      WHEN a3.parent IS NULL THEN concat('/', a3.uid, '/', a2.uid, '/', a1.uid, '/', v.uid)
      WHEN a4.uid IS NULL THEN NULL
      WHEN a4.parent IS NULL THEN concat('/', a4.uid, '/', a3.uid, '/', a2.uid, '/', a1.uid, '/', v.uid)
      WHEN a5.uid IS NULL THEN NULL
      WHEN a5.parent IS NULL THEN concat('/', a5.uid, '/', a4.uid, '/', a3.uid, '/', a2.uid, '/', a1.uid, '/', v.uid)
      WHEN a6.uid IS NULL THEN NULL
      WHEN a6.parent IS NULL THEN concat('/', a6.uid, '/', a5.uid, '/', a4.uid, '/', a3.uid, '/', a2.uid, '/', a1.uid, '/', v.uid)
      WHEN a7.uid IS NULL THEN NULL
      WHEN a7.parent IS NULL THEN concat('/', a7.uid, '/', a6.uid, '/', a5.uid, '/', a4.uid, '/', a3.uid, '/', a2.uid, '/', a1.uid, '/', v.uid)
    END) AS path,
    v.parent_in_object,
    v.level_in_object,
    v.opening_date,
    v.closed_date,
    v.geometry,
    v.geometry_type,
    v.first_updated,
    v.last_updated
  FROM versions AS v
  LEFT JOIN latest_parent AS a1 ON a1.uid = v.parent_in_object
  LEFT JOIN latest_parent AS a2 ON a2.uid = a1.parent
  LEFT JOIN latest_parent AS a3 ON a3.uid = a2.parent
  LEFT JOIN latest_parent AS a4 ON a4.uid = a3.parent
  LEFT JOIN latest_parent AS a5 ON a5.uid = a4.parent
  LEFT JOIN latest_parent AS a6 ON a6.uid = a5.parent
  LEFT JOIN latest_parent AS a7 ON a7.uid = a6.parent
),
deletion AS (
  SELECT uid AS deleted_uid, max(deletedAt) AS deleted_at
  FROM ref('bronze.deleted_object')
  GROUP BY uid
),
dated AS (
  SELECT
    v.*,
    CASE WHEN version_number = 1 THEN NULL ELSE first_updated END AS valid_from,
    COALESCE(
      LEAD(first_updated) OVER (PARTITION BY uid ORDER BY version_number ASC NULLS LAST),
      CASE WHEN g.deleted_at >= v.last_updated OR v.last_updated IS NULL THEN g.deleted_at END)
      AS valid_to,
    CASE
      WHEN path IS NULL THEN level_in_object
      ELSE length(path) - length(replace(path, '/', ''))
    END AS depth
  FROM located AS v
  LEFT JOIN deletion AS g ON g.deleted_uid = v.uid
),
split AS (
  SELECT
    d.*,
    generated('org_unit_path_uids'),
    CASE
      WHEN depth >= 2 THEN NULLIF(split_part(path, '/', CAST(ROUND(depth) AS INT)), '')
    END AS parent_in_path,
    -- open ends as far-off instants, so that the ancestor joins are comparisons a hash join on
    -- the uid can check (with IS NULL alternatives DuckDB joins each level by nested loops)
    COALESCE(valid_from, CAST('0001-01-01 00:00:00' AS TIMESTAMP)) AS valid_from_or_min,
    COALESCE(valid_to, CAST('9999-12-31 00:00:00' AS TIMESTAMP)) AS valid_to_or_max
  FROM dated AS d
)
SELECT
  s.uid,
  s.code,
  s.name,
  s.short_name,
  CAST(ROUND(s.depth) AS INT) AS level,
  s.path,
  COALESCE(s.parent_in_object, s.parent_in_path) AS parent,
  generated('org_unit_level_columns'),
  s.opening_date,
  s.closed_date,
  s.geometry,
  s.geometry_type,
  s.last_updated,
  s.valid_from,
  s.valid_to,
  s.valid_to IS NULL AS is_current
FROM split AS s
generated('org_unit_ancestor_joins')
