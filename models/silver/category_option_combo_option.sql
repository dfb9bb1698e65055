-- The options of each category option combo, one row per combo and category: the option of the
-- combo's categoryOptions that belongs to each category of the combo's category combo (latest
-- versions of the three objects). A combo option that no category of its combo holds has no row.
-- `category_combo` is the option combo's category combo: its own categoryCombo, else the combo
-- whose categoryOptionCombos list it (payloads fetched with fields=id,name lack the former).
-- materialized: table
WITH cocs AS (generated('latest_version', 'bronze.metadata_category_option_combo')),
combos AS (generated('latest_version', 'bronze.metadata_category_combo')),
categories AS (generated('latest_version', 'bronze.metadata_category')),
combo_coc AS (
  -- the combos' own lists of their option combos, for option combos fetched without categoryCombo
  SELECT
    get_json_object(members, concat('$[', CAST(i AS STRING), '].id')) AS coc,
    MIN(combo) AS combo
  FROM (
    SELECT
      id AS combo,
      get_json_object(object, '$.categoryOptionCombos') AS members,
      explode(sequence(0,
        json_array_length(get_json_object(object, '$.categoryOptionCombos')) - 1)) AS i
    FROM combos
    WHERE json_array_length(get_json_object(object, '$.categoryOptionCombos')) > 0
  ) AS exploded
  GROUP BY get_json_object(members, concat('$[', CAST(i AS STRING), '].id'))
),
coc_option AS (
  SELECT
    coc,
    category_combo,
    get_json_object(options, concat('$[', CAST(i AS STRING), '].id')) AS category_option
  FROM (
    SELECT
      c.id AS coc,
      COALESCE(get_json_object(c.object, '$.categoryCombo.id'), l.combo) AS category_combo,
      get_json_object(c.object, '$.categoryOptions') AS options,
      explode(sequence(0, json_array_length(get_json_object(c.object, '$.categoryOptions')) - 1))
        AS i
    FROM cocs AS c
    LEFT JOIN combo_coc AS l ON l.coc = c.id
    WHERE json_array_length(get_json_object(c.object, '$.categoryOptions')) > 0
  ) AS exploded
),
combo_category AS (
  SELECT
    combo,
    get_json_object(members, concat('$[', CAST(i AS STRING), '].id')) AS category
  FROM (
    SELECT
      id AS combo,
      get_json_object(object, '$.categories') AS members,
      explode(sequence(0, json_array_length(get_json_object(object, '$.categories')) - 1)) AS i
    FROM combos
    WHERE json_array_length(get_json_object(object, '$.categories')) > 0
  ) AS exploded
),
category_member AS (
  SELECT
    category,
    get_json_object(members, concat('$[', CAST(i AS STRING), '].id')) AS category_option
  FROM (
    SELECT
      id AS category,
      get_json_object(object, '$.categoryOptions') AS members,
      explode(sequence(0, json_array_length(get_json_object(object, '$.categoryOptions')) - 1))
        AS i
    FROM categories
    WHERE json_array_length(get_json_object(object, '$.categoryOptions')) > 0
  ) AS exploded
)
SELECT DISTINCT o.coc, cc.category, o.category_option, o.category_combo
FROM coc_option AS o
JOIN combo_category AS cc ON cc.combo = o.category_combo
JOIN category_member AS cm ON cm.category = cc.category AND cm.category_option = o.category_option
