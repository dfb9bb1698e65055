-- Min-max ranges of data values (DHIS2's minMaxDataElements), as the latest extraction delivered
-- them. The extractor fetches the whole list each run, so the rows of the latest run that
-- delivered any are the current set (a range deleted in DHIS2 is absent from it). One row per
-- data element, org unit and category option combo.
-- materialized: table
WITH received AS (
  SELECT
    get_json_object(dataElement, '$.id') AS de,
    get_json_object(source, '$.id') AS ou,
    get_json_object(optionCombo, '$.id') AS coc,
    TRY_CAST(min AS DOUBLE) AS min,
    TRY_CAST(max AS DOUBLE) AS max,
    COALESCE(generated, FALSE) AS generated,
    _run_id,
    _ingested_at
  FROM ref('bronze.min_max_data_element')
),
latest_run AS (
  SELECT _run_id FROM (
    SELECT _run_id, row_number() OVER (ORDER BY _ingested_at DESC NULLS LAST) AS run_rank
    FROM received
  ) AS r
  WHERE run_rank = 1
)
SELECT de, ou, coc, min, max, generated FROM (
  SELECT
    r.*,
    row_number() OVER (
      PARTITION BY de, ou, coc ORDER BY _ingested_at DESC NULLS LAST) AS version_rank
  FROM received AS r
  JOIN latest_run AS l ON l._run_id = r._run_id
  WHERE r.de IS NOT NULL AND r.ou IS NOT NULL AND r.coc IS NOT NULL
) AS ranked
WHERE version_rank = 1
