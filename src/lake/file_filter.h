// A conjunction of simple column conditions used to skip data files by partition values and
// statistics (docs/delta.md §10). Skipping is conservative: a file is dropped only when no row of
// it can satisfy the filter; the query still applies its own WHERE.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lake/actions.h"
#include "lake/schema.h"

namespace dhl::lake {

enum class CompareOp { kEqual, kLess, kLessOrEqual, kGreater, kGreaterOrEqual, kIn, kIsNull };

struct ColumnCondition {
  std::string column;
  CompareOp op = CompareOp::kEqual;
  // Literals as text: numbers "12", "1.5"; dates "2024-01-31"; timestamps "2024-01-31 10:00:00" or
  // ISO with Z (taken as UTC); strings as they are. One value, several for kIn, none for kIsNull.
  std::vector<std::string> values;
};

class FileFilter {
 public:
  FileFilter() = default;
  explicit FileFilter(std::vector<ColumnCondition> conditions)
      : conditions_(std::move(conditions)) {}

  // False only when the file certainly holds no matching row. Conditions on columns that are
  // neither partition columns nor in the stats never drop a file.
  bool MayMatch(const AddFile& file, const Schema& schema,
                const std::vector<std::string>& partition_columns) const;

  const std::vector<ColumnCondition>& conditions() const { return conditions_; }

 private:
  std::vector<ColumnCondition> conditions_;
};

}  // namespace dhl::lake
