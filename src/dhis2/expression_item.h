// The data items a DHIS2 expression refers to, as typed keys.
//
// An item key names one value an expression needs for one org unit x period cell: a data element
// total `#{de}`, an operand `#{de.coc}` / `#{de.coc.aoc}` / `#{de.*.aoc}` / `#{de.coc.*}`, a
// constant `C{uid}`, an org unit group count `OUG{uid}`, a reporting rate metric `R{ds.METRIC}`,
// another indicator `N{uid}`, and (parsed but not evaluated here) program items `I{pi}`,
// `D{program.de}`, `A{program.attribute}` / `A{attribute}`. Modifiers written after an item (or
// after a parenthesised group, where they apply to every item inside) are part of the key:
// `#{de}.periodOffset(-1)` is a different value from `#{de}`. Keys are plain values: copyable,
// comparable, hashable.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dhl::dhis2 {

enum class ItemType {
  kDataElement,         // #{de} and operands #{de.coc}, #{de.coc.aoc}, #{de.*.aoc}, #{de.coc.*}
  kConstant,            // C{uid}
  kOrgUnitGroupCount,   // OUG{uid}
  kReportingRate,       // R{dataSet.METRIC} (also the legacy spelling #{dataSet.METRIC})
  kIndicator,           // N{uid}
  kProgramIndicator,    // I{uid}           (not evaluated here)
  kProgramDataElement,  // D{program.de}    (not evaluated here)
  kProgramAttribute,    // A{program.attr} or A{attr} (not evaluated here)
};

// "#", "C", "OUG", "R", "N", "I", "D", "A".
std::string_view ItemTypeSymbol(ItemType type);

// The reporting rate metrics R{dataSet.METRIC} names (DHIS2 ReportingRateMetric).
inline constexpr std::string_view kReportingRateMetrics[] = {
    "REPORTING_RATE", "REPORTING_RATE_ON_TIME", "ACTUAL_REPORTS", "ACTUAL_REPORTS_ON_TIME",
    "EXPECTED_REPORTS"};

// Query modifiers of an item (DHIS2 QueryModifiers). Offsets written more than once add up, as in
// DHIS2 (`#{de}.periodOffset(-1).periodOffset(-2)` is offset -3).
struct QueryModifiers {
  int period_offset = 0;
  std::string aggregation_type;  // lower-case as written, e.g. "sum", "avg"; empty when not set
  std::string min_date;          // yyyy-MM-dd as written; empty when not set
  std::string max_date;
  bool year_to_date = false;

  bool empty() const {
    return period_offset == 0 && aggregation_type.empty() && min_date.empty() && max_date.empty() &&
           !year_to_date;
  }
  friend bool operator==(const QueryModifiers&, const QueryModifiers&) = default;
  friend auto operator<=>(const QueryModifiers&, const QueryModifiers&) = default;
};

struct ItemKey {
  ItemType type = ItemType::kDataElement;
  std::string uid0;  // data element, constant, group, data set, indicator, program ...
  std::string uid1;  // category option combo or "*", reporting rate metric, program item; or empty
  std::string uid2;  // attribute option combo or "*"; or empty
  QueryModifiers modifiers;

  // The canonical text: `#{de.coc}`, `R{ds.REPORTING_RATE}`, `#{de}.periodOffset(-1)`. Two keys are
  // equal exactly when their canonical texts are equal.
  std::string ToString() const;

  friend bool operator==(const ItemKey&, const ItemKey&) = default;
  friend auto operator<=>(const ItemKey&, const ItemKey&) = default;
};

struct ItemKeyHash {
  size_t operator()(const ItemKey& key) const;
};

}  // namespace dhl::dhis2
