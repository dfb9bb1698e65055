-- Data elements, the latest version of each (lastUpdated, then ingestion). DHIS2 stores valueType,
-- aggregationType and domainType as NOT NULL columns; a payload without them was fetched with a
-- narrower field filter (the Sierra Leone recordings), so they default to what DHIS2's maintenance
-- app gives a new data element: NUMBER, SUM, AGGREGATE; zeroIsSignificant to false (the Java field
-- default); categoryCombo to the category combo named "default".
-- materialized: table
-- depends_on: bronze.metadata_category_combo
WITH latest AS (generated('latest_version', 'bronze.metadata_data_element')),
default_combo AS (
  SELECT MIN(id) AS uid FROM ref('bronze.metadata_category_combo') WHERE name = 'default'
)
SELECT
  r.id AS uid,
  r.code,
  r.name,
  get_json_object(r.object, '$.shortName') AS short_name,
  COALESCE(get_json_object(r.object, '$.valueType'), 'NUMBER') AS value_type,
  COALESCE(get_json_object(r.object, '$.aggregationType'), 'SUM') AS aggregation_type,
  COALESCE(get_json_object(r.object, '$.domainType'), 'AGGREGATE') AS domain_type,
  COALESCE(get_json_object(r.object, '$.categoryCombo.id'), d.uid) AS category_combo,
  COALESCE(TRY_CAST(get_json_object(r.object, '$.zeroIsSignificant') AS BOOLEAN), FALSE)
    AS zero_is_significant,
  get_json_object(r.object, '$.optionSet.id') AS option_set,
  r.lastUpdated AS last_updated
FROM latest AS r
CROSS JOIN default_combo AS d
