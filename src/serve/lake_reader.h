// What an analytics answer reads from the lake, and the SQL helpers its steps share. LakeReader
// runs queries on one connection of a generation and records which tables an answer read (the
// answer cache keys on their versions).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "lake/lake_catalog.h"
#include "serve/analytics_metadata.h"
#include "serve/lake_views.h"

namespace dhl::serve::analytics {

inline const lake::TableName kIndicatorTable{"silver", "indicator"};
inline const lake::TableName kDataElementTable{"silver", "data_element"};
inline const lake::TableName kDataSetTable{"silver", "data_set"};
inline const lake::TableName kCocTable{"silver", "category_option_combo"};
inline const lake::TableName kCocOptionTable{"silver", "category_option_combo_option"};
inline const lake::TableName kCategoryTable{"silver", "category"};
inline const lake::TableName kCategoryOptionTable{"silver", "category_option"};
inline const lake::TableName kOrgUnitTable{"silver", "org_unit"};
inline const lake::TableName kGroupMemberTable{"silver", "org_unit_group_member"};
inline const lake::TableName kGroupTable{"silver", "org_unit_group"};
inline const lake::TableName kAggregateTable{"gold", "aggregate"};
inline const lake::TableName kIndicatorValueTable{"gold", "indicator_value"};
inline const lake::TableName kReportingRateTable{"gold", "reporting_rate"};
inline const lake::TableName kProgramIndicatorTable{"silver", "program_indicator"};
inline const lake::TableName kProgramIndicatorValueTable{"gold", "program_indicator_value"};

class LakeReader {
 public:
  LakeReader(engine::Connection& connection, const TableVersions& tables,
             const AnalyticsMetadata& metadata)
      : connection_(connection), tables_(tables), metadata_(metadata) {}

  // The silver metadata of the lake's versions.
  const AnalyticsMetadata& metadata() const { return metadata_; }

  // Whether the lake has the metadata table `table`; notes it as read when it has.
  bool Uses(const lake::TableName& table);

  bool Has(const lake::TableName& table) const { return tables_.count(table) > 0; }

  // Rows of `sql` reading `table`; no rows when the lake has no such table.
  Result<std::optional<engine::QueryResult>> Read(const lake::TableName& table,
                                                  const std::string& sql);

  // Records that an answer read `table` through a subquery.
  void Note(const lake::TableName& table);

  std::vector<lake::TableName> TablesRead() const { return read_; }

 private:
  engine::Connection& connection_;
  const TableVersions& tables_;
  const AnalyticsMetadata& metadata_;
  std::vector<lake::TableName> read_;
};

// Whether `text` has the form of a DHIS2 uid (11 alphanumerics, the first a letter).
bool IsUid(std::string_view text);

// "('a', 'b')": `values` as an SQL list of string literals.
std::string InList(const std::vector<std::string>& values);

// The text of a result cell, "" for NULL.
std::string Text(const engine::QueryResult& result, size_t column, size_t row);

template <typename T>
void AddUnique(std::vector<T>& list, const T& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(value);
  }
}

}  // namespace dhl::serve::analytics
