// The gold rows an analytics answer combines: gold.aggregate (data elements, their category
// options or combos, operands), gold.indicator_value and gold.reporting_rate, read by one reader
// that takes a column mapping per source.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "serve/analytics_error.h"
#include "serve/analytics_query.h"
#include "serve/lake_reader.h"

namespace dhl::serve::analytics {

// One gold row, before the filters' items are combined.
struct GoldRow {
  size_t dx = 0;         // index into the dx items
  std::string category;  // coc (co dimension) or category option; empty otherwise
  std::string ou;
  std::string pe;
  double value = 0;
  double count = 0;
  double numerator = 0;
  double denominator = 0;
  double factor = 0;
  double expected = 0;
  double actual = 0;
  double actual_on_time = 0;
};

// Where one gold source's columns go: rows of `table` whose `key` (SQL: the dx key, such as `de`
// or `de || '.' || coc`) is one of `keys`, that satisfy `condition`, within the query's org units
// and periods; each row fills a GoldRow for every dx item `dx_of` lists for its key.
struct GoldColumns {
  lake::TableName table;
  std::string key;
  std::vector<std::string> keys;
  std::string category = "NULL";  // SQL of GoldRow::category
  std::string condition = "TRUE";
  // SQL of a relation read in place of `table` (with the columns the mapping names); empty: the
  // table itself.
  std::string source;
  std::vector<std::pair<std::string, double GoldRow::*>> numbers;  // SQL -> field; NULL reads 0
  std::map<std::string, std::vector<size_t>> dx_of;                // key -> dx indexes
};

// Appends to `rows` the rows `columns` maps, within `ou_pe` (SQL condition on ou and pe).
AnalyticsResult<bool> ReadGoldColumns(LakeReader& lake, const GoldColumns& columns,
                                      const std::string& ou_pe, std::vector<GoldRow>& rows);

// The gold rows of `query`'s dx items, org units, periods and category items. A category option's
// cell is gold.aggregate's per-option row where it holds one; otherwise, where the element's rule
// combines across option combos (dhis2::CombinationAcrossCombos), it is combined here from the
// rows of the combos holding the option (gold.aggregate writes those per-option rows only for
// data-dimension categories above the deepest level: docs/gold_aggregate.md, "Grains").
AnalyticsResult<std::vector<GoldRow>> ReadGold(LakeReader& lake, const Query& query);

}  // namespace dhl::serve::analytics
