#include "serve/analytics_metadata.h"

#include <utility>

#include "serve/lake_reader.h"

namespace dhl::serve {
namespace {

using analytics::Text;

std::optional<std::string> OptionalText(const engine::QueryResult& result, size_t column,
                                        size_t row) {
  return result.GetString(column, row);
}

const std::vector<lake::TableName>& MetadataTables() {
  static const std::vector<lake::TableName> kTables = {
      analytics::kIndicatorTable,      analytics::kDataElementTable,
      analytics::kDataSetTable,        analytics::kCocTable,
      analytics::kCocOptionTable,      analytics::kCategoryTable,
      analytics::kCategoryOptionTable, analytics::kOrgUnitTable,
      analytics::kGroupMemberTable,    analytics::kProgramIndicatorTable};
  return kTables;
}

}  // namespace

TableVersions AnalyticsMetadata::MetadataVersions(const TableVersions& tables) {
  TableVersions versions;
  for (const lake::TableName& table : MetadataTables()) {
    auto found = tables.find(table);
    if (found != tables.end()) {
      versions.emplace(table, found->second);
    }
  }
  return versions;
}

Result<std::shared_ptr<const AnalyticsMetadata>> AnalyticsMetadata::Load(
    engine::Connection& connection, const TableVersions& tables) {
  auto metadata = std::make_shared<AnalyticsMetadata>();
  metadata->versions_ = MetadataVersions(tables);
  auto has = [&](const lake::TableName& table) { return metadata->versions_.count(table) > 0; };
  if (has(analytics::kIndicatorTable)) {
    DHL_ASSIGN_OR_RETURN(engine::QueryResult rows,
                         connection.Query("SELECT uid, name, short_name, decimals, factor, "
                                          "annualized, numerator, denominator FROM "
                                          "silver.indicator"));
    for (size_t row = 0; row < rows.row_count(); ++row) {
      metadata->indicators_[Text(rows, 0, row)] = Indicator{
          Text(rows, 1, row),     OptionalText(rows, 2, row),           rows.GetInt64(3, row),
          rows.GetDouble(4, row), rows.GetBool(5, row).value_or(false), Text(rows, 6, row),
          Text(rows, 7, row)};
    }
  }
  if (has(analytics::kDataElementTable)) {
    DHL_ASSIGN_OR_RETURN(engine::QueryResult rows,
                         connection.Query("SELECT uid, name, short_name, aggregation_type, "
                                          "category_combo, value_type FROM silver.data_element"));
    for (size_t row = 0; row < rows.row_count(); ++row) {
      metadata->data_elements_[Text(rows, 0, row)] =
          DataElement{Text(rows, 1, row), OptionalText(rows, 2, row), Text(rows, 3, row),
                      Text(rows, 4, row), Text(rows, 5, row)};
    }
  }
  if (has(analytics::kProgramIndicatorTable)) {
    // A lake whose silver.program_indicator predates its short_name column (until the next sync
    // rebuilds it) answers with the names.
    DHL_ASSIGN_OR_RETURN(
        engine::QueryResult columns,
        connection.Query("SELECT count(*) FROM (DESCRIBE silver.program_indicator) "
                         "WHERE column_name = 'short_name'"));
    std::string short_name =
        columns.GetInt64(0, 0).value_or(0) > 0 ? "short_name" : "CAST(NULL AS VARCHAR)";
    DHL_ASSIGN_OR_RETURN(engine::QueryResult rows,
                         connection.Query("SELECT uid, name, " + short_name +
                                          ", decimals FROM silver.program_indicator"));
    for (size_t row = 0; row < rows.row_count(); ++row) {
      metadata->program_indicators_[Text(rows, 0, row)] =
          ProgramIndicator{Text(rows, 1, row), OptionalText(rows, 2, row), rows.GetInt64(3, row)};
    }
  }
  if (has(analytics::kDataSetTable)) {
    DHL_ASSIGN_OR_RETURN(engine::QueryResult rows,
                         connection.Query("SELECT uid, name FROM silver.data_set"));
    for (size_t row = 0; row < rows.row_count(); ++row) {
      metadata->data_sets_[Text(rows, 0, row)] = Text(rows, 1, row);
    }
  }
  if (has(analytics::kCocTable)) {
    DHL_ASSIGN_OR_RETURN(engine::QueryResult rows,
                         connection.Query("SELECT uid, name, category_combo FROM "
                                          "silver.category_option_combo ORDER BY name, uid"));
    for (size_t row = 0; row < rows.row_count(); ++row) {
      metadata->cocs_.push_back({Text(rows, 0, row), Text(rows, 1, row), Text(rows, 2, row)});
    }
  }
  if (has(analytics::kCategoryTable)) {
    DHL_ASSIGN_OR_RETURN(engine::QueryResult rows,
                         connection.Query("SELECT uid, name FROM silver.category"));
    for (size_t row = 0; row < rows.row_count(); ++row) {
      metadata->categories_.emplace(Text(rows, 0, row), Text(rows, 1, row));
    }
  }
  if (has(analytics::kCategoryOptionTable)) {
    DHL_ASSIGN_OR_RETURN(
        engine::QueryResult rows,
        connection.Query("SELECT uid, name FROM silver.category_option ORDER BY name, uid"));
    for (size_t row = 0; row < rows.row_count(); ++row) {
      metadata->category_options_.push_back({Text(rows, 0, row), Text(rows, 1, row), ""});
    }
  }
  if (has(analytics::kCocOptionTable)) {
    DHL_ASSIGN_OR_RETURN(engine::QueryResult rows,
                         connection.Query("SELECT category, category_option, coc FROM "
                                          "silver.category_option_combo_option"));
    for (size_t row = 0; row < rows.row_count(); ++row) {
      metadata->options_of_category_[Text(rows, 0, row)].insert(Text(rows, 1, row));
      metadata->option_of_combo_[Text(rows, 0, row)][Text(rows, 2, row)] = Text(rows, 1, row);
    }
  }
  if (has(analytics::kOrgUnitTable)) {
    DHL_ASSIGN_OR_RETURN(engine::QueryResult rows,
                         connection.Query("SELECT uid, name, short_name, level, path FROM "
                                          "silver.org_unit WHERE COALESCE(is_current, TRUE) "
                                          "ORDER BY name, uid"));
    metadata->org_units_.reserve(rows.row_count());
    for (size_t row = 0; row < rows.row_count(); ++row) {
      metadata->org_units_.push_back(
          {Text(rows, 0, row), Text(rows, 1, row), OptionalText(rows, 2, row),
           static_cast<int>(rows.GetInt64(3, row).value_or(0)), Text(rows, 4, row)});
    }
  }
  if (has(analytics::kGroupMemberTable)) {
    DHL_ASSIGN_OR_RETURN(
        engine::QueryResult rows,
        connection.Query("SELECT group_uid, ou FROM silver.org_unit_group_member"));
    for (size_t row = 0; row < rows.row_count(); ++row) {
      metadata->group_members_[Text(rows, 0, row)].insert(Text(rows, 1, row));
    }
  }
  return std::shared_ptr<const AnalyticsMetadata>(std::move(metadata));
}

Result<std::shared_ptr<const AnalyticsMetadata>> MetadataCache::Get(engine::Connection& connection,
                                                                    const TableVersions& tables) {
  TableVersions wanted = AnalyticsMetadata::MetadataVersions(tables);
  std::lock_guard<std::mutex> lock(mutex_);
  if (current_ != nullptr && current_->versions() == wanted) {
    return current_;
  }
  DHL_ASSIGN_OR_RETURN(std::shared_ptr<const AnalyticsMetadata> loaded,
                       AnalyticsMetadata::Load(connection, tables));
  ++loads_;
  current_ = loaded;  // requests holding the previous one keep it (a shared_ptr)
  return loaded;
}

int64_t MetadataCache::loads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return loads_;
}

}  // namespace dhl::serve
