// How an analytics cell's value comes from its gold rows: one row unless filters hold several
// items, which combine as DHIS2 aggregates (each data element's aggregation type across org units
// and across time; numerators and denominators of indicators separately, then the indicator's
// factor and annualisation; reporting rates from their summed expected and actual reports).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "serve/analytics_error.h"
#include "serve/analytics_query.h"
#include "serve/gold_reader.h"
#include "serve/lake_reader.h"

namespace dhl::serve::analytics {

struct Cell {
  double value = 0;
  // Indicators only: DHIS2's includeNumDen columns (value = numerator x multiplier /
  // (denominator x divisor); multiplier = factor, x 365 when annualised; divisor = days or 1).
  std::optional<double> numerator;
  std::optional<double> denominator;
  std::optional<double> factor;
  std::optional<double> multiplier;
  std::optional<double> divisor;
};

// How an indicator side combines over several periods: summed (counts) or averaged weighted by
// days (stocks such as populations).
enum class TimeCombination { kSum, kAverage };

// An indicator's numerator and denominator combinations, by indicator uid (filled as needed).
using SideCombinations = std::map<std::string, TimeCombination[2]>;

// The value of one output cell from its gold rows (one row unless filters hold several items);
// std::nullopt for no value (a zero denominator, nothing expected).
AnalyticsResult<std::optional<Cell>> CombineCell(LakeReader& lake, const Query& query,
                                                 const DxItem& item,
                                                 const std::vector<const GoldRow*>& rows,
                                                 SideCombinations& sides);

}  // namespace dhl::serve::analytics
