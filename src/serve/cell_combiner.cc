#include "serve/cell_combiner.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "dhis2/aggregation_type.h"
#include "dhis2/expression.h"
#include "dhis2/period.h"

namespace dhl::serve::analytics {
namespace {

using dhis2::AggregationType;

AnalyticsResult<TimeCombination> SideCombination(LakeReader& lake, const std::string& expression,
                                                 const std::string& indicator) {
  Result<dhis2::Expression> parsed =
      dhis2::ParseExpression(expression, dhis2::ExpressionMode::kIndicatorExpression);
  if (!parsed.ok()) {
    return Refuse("E7133", fmt::format("Indicator `{}` has an expression that does not parse: {}",
                                       indicator, parsed.status().message()));
  }
  std::vector<std::string> elements;
  bool referenced_other = false;
  for (const dhis2::ItemKey& key : parsed->items()) {
    if (key.type == dhis2::ItemType::kDataElement) {
      AddUnique(elements, key.uid0);
    } else if (key.type != dhis2::ItemType::kConstant &&
               key.type != dhis2::ItemType::kOrgUnitGroupCount) {
      referenced_other = true;
    }
  }
  if (referenced_other) {
    return Refuse("",
                  fmt::format("Indicator `{}` refers to reporting rates, indicators or program "
                              "items: it cannot be combined over several filter periods; ask for "
                              "the periods as a dimension",
                              indicator));
  }
  std::set<TimeCombination> seen;
  if (!elements.empty()) {
    std::set<std::string> known;
    if (lake.Uses(kDataElementTable)) {
      for (const std::string& uid : elements) {
        auto found = lake.metadata().data_elements().find(uid);
        if (found == lake.metadata().data_elements().end()) {
          continue;
        }
        known.insert(uid);
        const std::string& type_name = found->second.aggregation_type;
        Result<AggregationType> type = dhis2::ParseAggregationType(type_name);
        dhis2::AggregationType time_rule =
            dhis2::ToAnalyticsAggregation(type.ok() ? *type : AggregationType::kSum).time_rule;
        if (time_rule == AggregationType::kSum || time_rule == AggregationType::kCount) {
          seen.insert(TimeCombination::kSum);
        } else if (time_rule == AggregationType::kAverage) {
          seen.insert(TimeCombination::kAverage);
        } else {
          return Refuse("",
                        fmt::format("Indicator `{}` uses data element `{}` whose aggregation type "
                                    "{} cannot be combined over several filter periods; ask for "
                                    "the periods as a dimension",
                                    indicator, uid, type_name));
        }
      }
    }
    // Items that are not data elements are reference data (#{item} of a ref table, such as
    // population estimates): stocks, averaged over time.
    if (known.size() < elements.size()) {
      seen.insert(TimeCombination::kAverage);
    }
  }
  if (seen.size() > 1) {
    return Refuse("",
                  fmt::format("Indicator `{}` mixes summed and averaged data elements in one "
                              "side: it cannot be combined over several filter periods; ask for "
                              "the periods as a dimension",
                              indicator));
  }
  return seen.empty() ? TimeCombination::kAverage : *seen.begin();
}

// Combines values across org units or categories (`rule` the org-unit rule).
AnalyticsResult<double> CombineAcross(AggregationType rule, const std::vector<double>& values,
                                      const DxItem& item) {
  switch (rule) {
    case AggregationType::kSum:
    case AggregationType::kCount:
      return std::accumulate(values.begin(), values.end(), 0.0);
    case AggregationType::kAverage:
      return std::accumulate(values.begin(), values.end(), 0.0) / values.size();
    case AggregationType::kMin:
      return *std::min_element(values.begin(), values.end());
    case AggregationType::kMax:
      return *std::max_element(values.begin(), values.end());
    default:
      return Refuse("E7115", fmt::format("Data element `{}` has aggregation type {}: its values "
                                         "cannot be combined across several filter org units",
                                         item.id, dhis2::AggregationTypeName(item.aggregation)));
  }
}

// Combines per-period values over time (`rule` the time rule); `periods` are the values' periods.
AnalyticsResult<double> CombineOverTime(AggregationType rule,
                                        const std::vector<std::pair<dhis2::Period, double>>& values,
                                        const DxItem& item) {
  double sum = 0;
  double weighted = 0;
  double days = 0;
  for (const auto& [period, value] : values) {
    sum += value;
    weighted += value * period.days();
    days += period.days();
  }
  switch (rule) {
    case AggregationType::kSum:
    case AggregationType::kCount:
      return sum;
    case AggregationType::kAverage:
      return weighted / days;
    case AggregationType::kLast:
    case AggregationType::kLastInPeriod:
      return std::max_element(values.begin(), values.end(),
                              [](const auto& a, const auto& b) { return a.first < b.first; })
          ->second;
    case AggregationType::kFirst:
      return std::min_element(values.begin(), values.end(),
                              [](const auto& a, const auto& b) { return a.first < b.first; })
          ->second;
    case AggregationType::kMin:
      return std::min_element(values.begin(), values.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; })
          ->second;
    case AggregationType::kMax:
      return std::max_element(values.begin(), values.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; })
          ->second;
    default:
      return Refuse("E7115", fmt::format("Data element `{}` has aggregation type {}: its values "
                                         "cannot be combined over several filter periods",
                                         item.id, dhis2::AggregationTypeName(item.aggregation)));
  }
}

}  // namespace

AnalyticsResult<std::optional<Cell>> CombineCell(LakeReader& lake, const Query& query,
                                                 const DxItem& item,
                                                 const std::vector<const GoldRow*>& rows,
                                                 SideCombinations& sides) {
  std::map<std::string, dhis2::Period> period_of;
  for (const dhis2::Period& period : query.periods) {
    period_of.emplace(period.id(), period);
  }
  // Group by period: across org units (and categories) first, then over time.
  std::map<std::string, std::vector<const GoldRow*>> by_period;
  for (const GoldRow* row : rows) {
    by_period[row->pe].push_back(row);
  }
  const std::optional<AggregationType>& override_type = query.options.aggregation_type;
  if (item.kind == DxKind::kDataElement || item.kind == DxKind::kOperand) {
    AggregationType type = item.aggregation;
    bool use_count = override_type == AggregationType::kCount;
    bool average_of_sum =
        override_type == AggregationType::kAverage && item.aggregation == AggregationType::kSum;
    if (override_type.has_value() && !use_count && !average_of_sum && *override_type != type &&
        *override_type != AggregationType::kDefault) {
      return Refuse(
          "", fmt::format("aggregationType {} is not available for data element `{}` "
                          "(aggregation type {}): the lake holds its values aggregated as "
                          "{}; use DEFAULT, COUNT, or AVERAGE for SUM elements",
                          dhis2::AggregationTypeName(*override_type), item.id,
                          dhis2::AggregationTypeName(type), dhis2::AggregationTypeName(type)));
    }
    if (use_count) {
      type = AggregationType::kCount;
    }
    dhis2::AnalyticsAggregation rules = dhis2::ToAnalyticsAggregation(type);
    std::vector<std::pair<dhis2::Period, double>> per_period;
    std::vector<std::pair<dhis2::Period, double>> counts;
    for (const auto& [pe, period_rows] : by_period) {
      std::vector<double> values;
      double count = 0;
      for (const GoldRow* row : period_rows) {
        values.push_back(use_count ? row->count : row->value);
        count += row->count;
      }
      DHL_ASSIGN_OR_RETURN(double value, period_rows.size() == 1
                                             ? AnalyticsResult<double>(values[0])
                                             : CombineAcross(rules.org_unit_rule, values, item));
      per_period.emplace_back(period_of.at(pe), value);
      counts.emplace_back(period_of.at(pe), count);
    }
    double value = per_period[0].second;
    if (per_period.size() > 1) {
      DHL_ASSIGN_OR_RETURN(value, CombineOverTime(rules.time_rule, per_period, item));
    }
    if (average_of_sum) {
      double count = 0;
      for (const auto& entry : counts) {
        count += entry.second;
      }
      if (count == 0) {
        return std::optional<Cell>();
      }
      double sum = 0;
      for (const auto& entry : per_period) {
        sum += entry.second;
      }
      value = sum / count;
    }
    return std::optional<Cell>(Cell{value, std::nullopt, std::nullopt, std::nullopt});
  }
  if (item.kind == DxKind::kReportingRate) {
    if (rows.size() == 1) {
      const GoldRow& row = *rows[0];
      return std::optional<Cell>(Cell{row.value, std::nullopt, std::nullopt, std::nullopt});
    }
    double expected = 0;
    double actual = 0;
    double on_time = 0;
    for (const GoldRow* row : rows) {
      expected += row->expected;
      actual += row->actual;
      on_time += row->actual_on_time;
    }
    double value = 0;
    if (item.detail == "EXPECTED_REPORTS") {
      value = expected;
    } else if (item.detail == "ACTUAL_REPORTS") {
      value = actual;
    } else if (item.detail == "ACTUAL_REPORTS_ON_TIME") {
      value = on_time;
    } else {
      if (expected == 0) {
        return std::optional<Cell>();
      }
      value = (item.detail == "REPORTING_RATE" ? actual : on_time) / expected * 100;
    }
    return std::optional<Cell>(Cell{value, std::nullopt, std::nullopt, std::nullopt});
  }
  if (item.kind == DxKind::kProgramIndicator) {
    // gold.program_indicator_value holds each org unit's and period's value as tracker analytics
    // computed it (distinct counts do not add up): one stored cell answers, several do not combine.
    if (rows.size() > 1) {
      return Refuse("",
                    fmt::format("Program indicator `{}` is stored per org unit and period of the "
                                "configured types; a cell combining {} of them (several org units "
                                "or periods in a filter) is not computed: ask them as dimensions",
                                item.id, rows.size()));
    }
    if (override_type.has_value() && *override_type != AggregationType::kDefault) {
      return Refuse("", fmt::format("aggregationType {} is not available for program indicator "
                                    "`{}`: use DEFAULT",
                                    dhis2::AggregationTypeName(*override_type), item.id));
    }
    return std::optional<Cell>(Cell{rows[0]->value, std::nullopt, std::nullopt, std::nullopt});
  }
  // Indicators.
  if (override_type.has_value() && *override_type != AggregationType::kDefault) {
    return Refuse("",
                  fmt::format("aggregationType {} is not available for indicator `{}`: the lake "
                              "holds indicator values computed with each data element's own "
                              "aggregation type; use DEFAULT",
                              dhis2::AggregationTypeName(*override_type), item.id));
  }
  // gold.indicator_value's factor is the indicator type's; annualisation is by the days asked.
  auto cell = [&item](double value, double numerator, double denominator, double factor,
                      double days) {
    double multiplier = item.annualized ? factor * dhis2::kDaysInYear : factor;
    double divisor = item.annualized ? days : 1;
    return std::optional<Cell>(Cell{value, numerator, denominator, factor, multiplier, divisor});
  };
  if (rows.size() == 1) {
    const GoldRow& row = *rows[0];
    return cell(row.value, row.numerator, row.denominator, row.factor, period_of.at(row.pe).days());
  }
  std::vector<std::pair<dhis2::Period, double>> numerators;
  std::vector<std::pair<dhis2::Period, double>> denominators;
  double factor = rows[0]->factor;
  for (const auto& [pe, period_rows] : by_period) {
    double numerator = 0;
    double denominator = 0;
    for (const GoldRow* row : period_rows) {
      numerator += row->numerator;
      denominator += row->denominator;
    }
    numerators.emplace_back(period_of.at(pe), numerator);
    denominators.emplace_back(period_of.at(pe), denominator);
  }
  double numerator = numerators[0].second;
  double denominator = denominators[0].second;
  if (numerators.size() > 1) {
    if (!sides.count(item.uid)) {
      DHL_ASSIGN_OR_RETURN(TimeCombination top, SideCombination(lake, item.numerator, item.id));
      DHL_ASSIGN_OR_RETURN(TimeCombination bottom,
                           SideCombination(lake, item.denominator, item.id));
      sides[item.uid][0] = top;
      sides[item.uid][1] = bottom;
    }
    auto combine = [](TimeCombination how, const std::vector<std::pair<dhis2::Period, double>>& v) {
      double sum = 0;
      double weighted = 0;
      double days = 0;
      for (const auto& [period, value] : v) {
        sum += value;
        weighted += value * period.days();
        days += period.days();
      }
      return how == TimeCombination::kSum ? sum : weighted / days;
    };
    numerator = combine(sides[item.uid][0], numerators);
    denominator = combine(sides[item.uid][1], denominators);
  }
  double days = 0;
  for (const auto& entry : numerators) {
    days += entry.first.days();
  }
  if (denominator == 0) {
    return std::optional<Cell>();
  }
  double annualisation = item.annualized ? dhis2::kDaysInYear / days : 1;
  return cell(numerator / denominator * factor * annualisation, numerator, denominator, factor,
              days);
}

}  // namespace dhl::serve::analytics
