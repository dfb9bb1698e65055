// Generators of the silver dimension models whose SQL depends on the lake's data or metadata
// (docs/models.md, "Generated SQL"); registered in src/pipeline/generators.cc.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "lake/lake_catalog.h"
#include "pipeline/generator.h"
#include "sql/dialect.h"

namespace dhl::pipeline {

// The rows of silver.period for `period_ids` (duplicates and invalid ids skipped; invalid ids are
// the data_value model's to quarantine) as one SELECT in `dialect`: pe (the canonical id),
// period_type, start_date, end_date (DATE), days, year (INTEGER, of the start date), then one
// VARCHAR column per period type (dhis2::PeriodTypeColumnName, kAllPeriodTypes order) holding the
// period of that type the row belongs to by dhis2::StructurePeriod (NULL for types not longer than
// the row's own). Rows are sorted by id; no ids give an empty SELECT of the same columns.
std::string PeriodRowsSql(const std::vector<std::string>& period_ids, sql::Dialect dialect);

// Generator 'period_rows' (models/silver/period.sql): PeriodRowsSql over every distinct `period` of
// bronze.data_value and bronze.complete_registration (those of the two tables that are inputs of
// the model in this run; models/silver/period.sql takes the latter through `bronze.*`, so only
// when it exists).
Result<std::string> GeneratePeriodRows(const GeneratorContext& context);

// The select items ", MAX(CASE WHEN <category> = 'c' THEN <option> END) AS c" for each category uid
// (sorted, duplicates removed), naming each column by the category's uid; empty for no categories.
std::string CategoryColumnsSql(const std::vector<std::string>& category_uids,
                               const std::string& category_column, const std::string& option_column,
                               sql::Dialect dialect);

// Generator 'coc_category_columns' (models/silver/category_option_combo.sql): CategoryColumnsSql
// over the uids of silver.category, for the columns o.category and o.category_option.
Result<std::string> GenerateCocCategoryColumns(const GeneratorContext& context);

// A text column read from a dimension can be written from a dictionary instead of as plain text:
// the Parquet writer then takes the dictionary of each row group from the type's values instead of
// hashing every row's text (at medium scale, gold.analytics' write went from 4.6 to 1.1 CPU s;
// docs/delta.md, "Text columns written from a dictionary"). Above this many distinct values the
// dictionary, which every row group repeats whole, would outweigh the saving.
inline constexpr int64_t kTextDictionaryLimit = 4096;

// The type `values` are written as in `dialect`: for DuckDB an ENUM of the values in byte order
// (so that comparisons, MIN/MAX and ORDER BY on the column keep the text's order), VARCHAR when
// there are none or more than kTextDictionaryLimit; STRING for Spark (no such type, and nothing to
// gain). `values` need not be sorted nor distinct.
std::string TextDictionaryType(std::vector<std::string> values, sql::Dialect dialect);

// TextDictionaryType of the distinct non-NULL values of `column` in the model's input `table`.
Result<std::string> TextDictionaryOf(const GeneratorContext& context, const lake::TableName& table,
                                     std::string_view column);

// TextDictionaryType of the distinct non-NULL values of `expression` over `from` (a FROM clause
// of the model's inputs, e.g. "<relation> AS p").
Result<std::string> TextDictionaryOver(const GeneratorContext& context, const std::string& from,
                                       const std::string& expression);

// The select item `CAST(CAST(<column> AS VARCHAR) AS <TextDictionaryOf the column>) AS <column>`
// (STRING in Spark): a text column of `table`'s rows, from its dictionary.
Result<std::string> TextColumnFromDictionary(const GeneratorContext& context,
                                             const lake::TableName& table,
                                             const std::string& column);

// Generator 'text_dictionary', called as generated('text_dictionary', 'layer.table', 'column'):
// TextDictionaryType of the column's distinct non-NULL values in the model's input `table`, for a
// CAST(x AS ...) in a dimension's CTE whose x takes only that column's values (a value outside them
// fails the cast: cast only the column itself, never text from elsewhere).
Result<std::string> GenerateTextDictionary(const GeneratorContext& context);

// Metadata objects DHIS2 deleted (`uid`, `deletedAt`, ...): an input of every model that calls
// generated('latest_version', ...) (ModelSet adds it), empty when the source delivered none.
inline constexpr const char* kDeletedObjectTable = "bronze.deleted_object";

// The latest version of each object of `table`, a bronze metadata table (columns id,
// lastUpdated, _ingested_at, object, ...): one SELECT in `dialect` of all the table's columns plus
// version_rank (always 1), the row of each id with the largest lastUpdated, then the largest
// _ingested_at (NULLs last), unless kDeletedObjectTable holds a deletion of the id at or after
// that lastUpdated (an object created again under its uid later is kept). The text reads the
// tables through ref('layer.table').
std::string LatestVersionSql(const lake::TableName& table, sql::Dialect dialect);

// Generator 'latest_version', called as generated('latest_version', 'bronze.metadata_x') by the
// silver dimension models: LatestVersionSql of the call's table (an error without one).
Result<std::string> GenerateLatestVersion(const GeneratorContext& context);

// silver.org_unit has one column per hierarchy level 1..kOrgUnitLevels (docs/tables.md fixes 8).
inline constexpr int kOrgUnitLevels = 8;

// Generator 'org_unit_path_uids' (models/silver/org_unit.sql): the select items
// "NULLIF(split_part(path, '/', N + 1), '') AS uN" for N = 1..kOrgUnitLevels, comma-separated: the
// uid at each level of a path "/a/b/c" (NULL past its end).
Result<std::string> GenerateOrgUnitPathUids(const GeneratorContext& context);

// Generator 'org_unit_level_columns': the select items "s.uN AS levelN_uid" for every level, then
// "aN.name AS levelN_name" for every level, comma-separated (the split rows are `s`, the ancestor
// of level N is `aN`, joined by 'org_unit_ancestor_joins').
Result<std::string> GenerateOrgUnitLevelColumns(const GeneratorContext& context);

// Generator 'org_unit_ancestor_joins': for every level N, "LEFT JOIN split AS aN ON aN.uid = s.uN"
// restricted to the version of the ancestor valid when the row's version ends: the current one for
// a current row (s.valid_to NULL), else the one that started before s.valid_to and had not ended
// before it. Written on `valid_from_or_min` / `valid_to_or_max` (the open ends as far-off
// instants) so that every condition is a comparison: DuckDB then joins by hash on the uid, where
// the IS NULL alternatives made it a nested-loop join per level (quadratic in the units: 28,915
// units took 70 CPU s, now under 1).
Result<std::string> GenerateOrgUnitAncestorJoins(const GeneratorContext& context);

}  // namespace dhl::pipeline
