-- Category options, the latest version of each, with the dates they are valid for (NULL: always).
-- materialized: table
WITH latest AS (generated('latest_version', 'bronze.metadata_category_option'))
SELECT
  id AS uid,
  code,
  name,
  TRY_CAST(substring(get_json_object(object, '$.startDate'), 1, 10) AS DATE) AS start_date,
  TRY_CAST(substring(get_json_object(object, '$.endDate'), 1, 10) AS DATE) AS end_date
FROM latest
