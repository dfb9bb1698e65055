-- Category option combos, the latest version of each, with one column per category (named by the
-- category's uid) holding the combo's option of that category (NULL for categories not in the
-- combo's category combo). The columns are generated from silver.category by
-- 'coc_category_columns' (src/pipeline/dimension_generators.h); the long form is
-- silver.category_option_combo_option.
-- materialized: table
-- depends_on: silver.category
WITH latest AS (generated('latest_version', 'bronze.metadata_category_option_combo')),
cocs AS (
  SELECT l.*, get_json_object(object, '$.categoryCombo.id') AS combo_in_object
  FROM latest AS l
)
SELECT
  c.id AS uid,
  c.code,
  c.name,
  COALESCE(c.combo_in_object, MAX(o.category_combo)) AS category_combo
  generated('coc_category_columns')
FROM cocs AS c
LEFT JOIN ref('silver.category_option_combo_option') AS o ON o.coc = c.id
GROUP BY c.id, c.code, c.name, c.combo_in_object
