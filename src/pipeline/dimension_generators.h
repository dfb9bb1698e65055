// Generators of the silver dimension models whose SQL depends on the lake's data or metadata
// (docs/models.md, "Generated SQL"); registered in src/pipeline/generators.cc.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
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

}  // namespace dhl::pipeline
