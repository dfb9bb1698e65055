#include "pipeline/predictor_generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "base/logging.h"
#include "base/text.h"
#include "dhis2/aggregation_type.h"
#include "dhis2/expression.h"
#include "dhis2/expression_evaluator.h"
#include "dhis2/expression_sql.h"
#include "dhis2/period.h"
#include "dhis2/period_type.h"
#include "dhis2/value_type.h"
#include "sql/literal.h"

namespace dhl::pipeline {
namespace {

constexpr const char* kDefaultCombo = "HllvX50cXC0";

// Java's Math.round of `x` (a DOUBLE column): the nearest integer, halves toward positive infinity
// (2.5 -> 3, -2.5 -> -2). x - FLOOR(x) is exact for every double, so no halfway case is lost to
// rounding as in FLOOR(x + 0.5).
std::string JavaRoundSql(const std::string& x) {
  return "CASE WHEN " + x + " - FLOOR(" + x + ") >= " + sql::NumberLiteral(0.5) + " THEN CEIL(" +
         x + ") ELSE FLOOR(" + x + ") END";
}

// dhis2-core MathUtils.roundFraction(x, 4) of `x` (a DOUBLE column, not zero): with d =
// ceil(log10(|x|)) the digits before the point, a value of 4 or more of them rounded to an integer,
// any other to 4 - d decimals (4 significant digits); within MathUtils.isEqual's tolerance (0.01)
// of zero it is 0.
std::string RoundFractionSql(const std::string& x, sql::Dialect dialect) {
  constexpr int kDigits = 4;
  constexpr double kZeroTolerance = 0.01;
  std::string whole_digits = "CEIL(" + sql::Log10("ABS(" + x + ")", dialect) + ")";
  std::string scale =
      sql::Power(sql::NumberLiteral(10), std::to_string(kDigits) + " - " + whole_digits, dialect);
  return "CASE WHEN ABS(" + x + ") <= " + sql::NumberLiteral(kZeroTolerance) + " THEN " +
         sql::NumberLiteral(0) + " WHEN " + whole_digits + " >= " + std::to_string(kDigits) +
         " THEN " + JavaRoundSql(x) + " ELSE (" + JavaRoundSql(x + " * " + scale) + ") / " + scale +
         " END";
}

// Java's Double.toString of `x` (a DOUBLE column holding a value RoundFractionSql formatted), the
// text DHIS2 stores for a non-integer output: from 10^7 on computerized scientific notation, the
// digits without trailing zeros but one after the point ("1.2345678E7", "-1.0E8"); below it the
// plain decimal every dialect's cast writes ("2.0", "0.3333"). Values from 10^4 on are integers
// already, so below 2^53 their digits are exact; beyond it, the dialect's cast.
std::string JavaDoubleTextSql(const std::string& x) {
  std::string digits = "CAST(CAST(ROUND(ABS(" + x + ")) AS BIGINT) AS STRING)";
  return "CASE WHEN ABS(" + x + ") >= " + sql::NumberLiteral(1e7) + " AND ABS(" + x + ") < " +
         sql::NumberLiteral(9007199254740992.0) + " THEN CONCAT(CASE WHEN " + x +
         " < 0 THEN '-' ELSE '' END, SUBSTRING(" + digits + ", 1, 1), '.', COALESCE(NULLIF(" +
         "REGEXP_REPLACE(SUBSTRING(" + digits + ", 2), '0+$', ''), ''), '0'), 'E', CAST(LENGTH(" +
         digits + ") - 1 AS STRING)) ELSE CAST(" + x + " AS STRING) END";
}

// The same day `years` years earlier (29 February becomes 28 February).
dhis2::Date YearsBefore(dhis2::Date date, int years) {
  std::chrono::year_month_day day{date};
  std::chrono::year_month_day shifted{day.year() - std::chrono::years(years), day.month(),
                                      day.day()};
  if (!shifted.ok()) {
    shifted = std::chrono::year_month_day{std::chrono::year_month_day_last{
        shifted.year(), std::chrono::month_day_last{shifted.month()}}};
  }
  return std::chrono::sys_days{shifted};
}

// The SQL aggregate of a sample function over its argument (DHIS2's predictor functions: stddev
// and variance are the sample forms; median the 0.5 continuous percentile).
Result<std::string> SampleFunctionSql(dhis2::Function function, const std::string& argument) {
  switch (function) {
    case dhis2::Function::kAvg:
      return "AVG(" + argument + ")";
    case dhis2::Function::kCount:
      return "CAST(COUNT(" + argument + ") AS DOUBLE)";
    case dhis2::Function::kMax:
      return "MAX(" + argument + ")";
    case dhis2::Function::kMin:
      return "MIN(" + argument + ")";
    case dhis2::Function::kSum:
      return "SUM(" + argument + ")";
    case dhis2::Function::kStddev:
    case dhis2::Function::kStddevSamp:
      return "STDDEV_SAMP(" + argument + ")";
    case dhis2::Function::kStddevPop:
      return "STDDEV_POP(" + argument + ")";
    case dhis2::Function::kVariance:
      return "VAR_SAMP(" + argument + ")";
    case dhis2::Function::kMedian:
      return "percentile_cont(0.5) WITHIN GROUP (ORDER BY " + argument + ")";
    default:
      return Unsupported(std::string(dhis2::FunctionName(function)) +
                         "() is not computed in predictors yet");
  }
}

// The value of a percentileCont() fraction known before any data: a number, a constant, and
// arithmetic of them (DHIS2 evaluates it in the output period; a fraction reading data values is
// refused, as SQL's percentile_cont takes a constant).
std::optional<double> ConstantFraction(const dhis2::Expression& expression,
                                       const dhis2::ExpressionNode& node,
                                       const std::map<std::string, double>& constants) {
  switch (node.kind) {
    case dhis2::NodeKind::kNumber:
      return node.number;
    case dhis2::NodeKind::kItem: {
      const dhis2::ItemKey& item = expression.items()[node.item_index];
      if (item.type != dhis2::ItemType::kConstant) return std::nullopt;
      auto found = constants.find(item.uid0);
      if (found == constants.end()) return std::nullopt;
      return found->second;
    }
    case dhis2::NodeKind::kUnary: {
      auto operand = ConstantFraction(expression, node.children[0], constants);
      if (!operand || node.unary_operator == dhis2::UnaryOperator::kNot) return std::nullopt;
      return node.unary_operator == dhis2::UnaryOperator::kMinus ? -*operand : *operand;
    }
    case dhis2::NodeKind::kBinary: {
      auto left = ConstantFraction(expression, node.children[0], constants);
      auto right = ConstantFraction(expression, node.children[1], constants);
      if (!left || !right) return std::nullopt;
      switch (node.binary_operator) {
        case dhis2::BinaryOperator::kAdd:
          return *left + *right;
        case dhis2::BinaryOperator::kSubtract:
          return *left - *right;
        case dhis2::BinaryOperator::kMultiply:
          return *left * *right;
        case dhis2::BinaryOperator::kDivide:
          if (*right == 0) return std::nullopt;
          return *left / *right;
        default:
          return std::nullopt;
      }
    }
    default:
      return std::nullopt;
  }
}

// The standard normal distribution function at `z` (a column): Marsaglia's series
// 0.5 + phi(z) (z + z^3/3 + z^5/15 + ...), 101 terms, absolute error under 2e-15 for |z| <= 8.5
// (checked against erfc); beyond, 0 or 1 (the tail is under 1e-17). dhis2-core takes Apache
// Commons Math's NormalDistribution.cumulativeProbability; neither engine has erf().
std::string StandardNormalCdfSql(const std::string& z, sql::Dialect dialect) {
  constexpr int kTerms = 101;
  constexpr double kLimit = 8.5;
  std::vector<std::string> terms;
  double double_factorial = 1;
  for (int n = 0; n < kTerms; ++n) {
    if (n > 0) double_factorial *= 2 * n + 1;
    terms.push_back(sql::Power(z, sql::NumberLiteral(2 * n + 1), dialect) + " * " +
                    sql::NumberLiteral(1 / double_factorial));
  }
  constexpr double kInverseSqrtTwoPi = 0.3989422804014327;
  return "CASE WHEN " + z + " IS NULL THEN NULL WHEN " + z + " >= " + sql::NumberLiteral(kLimit) +
         " THEN " + sql::NumberLiteral(1) + " WHEN " + z + " <= " + sql::NumberLiteral(-kLimit) +
         " THEN " + sql::NumberLiteral(0) + " ELSE " + sql::NumberLiteral(0.5) + " + EXP(" +
         sql::NumberLiteral(-0.5) + " * " + z + " * " + z + ") * " +
         sql::NumberLiteral(kInverseSqrtTwoPi) + " * (" + Join(terms, " + ") + ") END";
}

// The data values an item reads: a data element (all its option combos, or one), optionally only
// periods starting on or after minDate and ending on or before maxDate (dhis2-core
// PredictionDataFilter).
struct ItemColumnKey {
  std::string de;
  std::string coc;  // empty: every option combo
  std::string min_date;
  std::string max_date;
  auto operator<=>(const ItemColumnKey&) const = default;
};

// yyyy-M-d as written in .minDate() / .maxDate() to yyyy-MM-dd.
Result<std::string> NormalisedDate(const std::string& written) {
  std::vector<std::string> parts;
  for (std::string_view part : Split(written, '-')) parts.emplace_back(part);
  if (parts.size() != 3) return InvalidArgument("date " + written + " is not yyyy-M-d");
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].size() == 1) parts[i] = "0" + parts[i];
  }
  DHL_ASSIGN_OR_RETURN(dhis2::Date date, dhis2::ParseDate(Join(parts, "-")));
  return dhis2::FormatDate(date);
}

// One predictor compiled: its SELECT, given the CTE suffix.
class PredictorCompiler {
 public:
  // `predicted`: for each data element another predictor outputs, the CTEs (p<n>, columns de, coc,
  // aoc, ou, pe, period_type, value) of the predictors computed before this one that output it.
  PredictorCompiler(const PredictorInputs& inputs,
                    const std::map<std::string, std::vector<std::string>>& predicted,
                    sql::Dialect dialect)
      : inputs_(inputs), predicted_(predicted), dialect_(dialect) {}

  // The CTEs and the SELECT of `predictor`, or why it is refused. `ctes` receives the CTEs.
  Result<std::string> Compile(const PredictorDefinition& predictor, size_t index,
                              std::vector<std::string>& ctes) {
    if (inputs_.value_types.count(predictor.output) == 0) {
      return NotFound("output data element " + predictor.output + " is not in silver.data_element");
    }
    DHL_ASSIGN_OR_RETURN(dhis2::PeriodType type, dhis2::ParsePeriodType(predictor.period_type));
    std::vector<std::string> levels;
    for (const std::string& uid : predictor.level_uids) {
      auto found = inputs_.levels.find(uid);
      auto placeholder = inputs_.level_placeholders.find(uid);
      if (found != inputs_.levels.end()) {
        levels.push_back(std::to_string(found->second));
      } else if (placeholder != inputs_.level_placeholders.end()) {
        levels.push_back(std::to_string(placeholder->second));
      } else {
        return NotFound("organisation unit level " + uid +
                        (uid.find('<') != std::string::npos
                             ? " is an unresolved metadata package placeholder (map it to a level "
                               "number in [gold] predictor_level_placeholders)"
                             : " is not in silver.org_unit_level"));
      }
    }
    if (levels.empty()) return InvalidArgument("no organisation unit level");
    DHL_ASSIGN_OR_RETURN(
        dhis2::Expression expression,
        dhis2::ParseExpression(predictor.expression,
                               dhis2::ExpressionMode::kPredictorGeneratorExpression));
    DHL_ASSIGN_OR_RETURN(dhis2::MissingValueStrategy strategy,
                         Strategy(predictor.missing_value_strategy));
    std::optional<dhis2::Expression> skip_test;
    if (!predictor.sample_skip_test.empty()) {
      auto parsed = dhis2::ParseExpression(predictor.sample_skip_test,
                                           dhis2::ExpressionMode::kPredictorSkipTest);
      if (!parsed.ok()) return parsed.status().WithContext("sampleSkipTest");
      skip_test = std::move(*parsed);
    }

    // The items: one column x<n> per (data element, option combo, date bounds).
    std::map<ItemColumnKey, int> columns;
    std::map<std::string, int> program_indicators;  // I{uid} -> its column among `columns`
    std::set<std::string> chained_ctes;             // predictors' outputs this one reads
    std::vector<std::string> sums;
    std::set<std::string> elements;
    bool dated = false;  // some item has .minDate() / .maxDate()
    auto item_column = [&](const dhis2::ItemKey& item,
                           const std::string& alias) -> Result<std::string> {
      if (item.type == dhis2::ItemType::kConstant) {
        auto constant = inputs_.constants.find(item.uid0);
        if (constant == inputs_.constants.end()) {
          return NotFound("no such constant (silver.constant)");
        }
        return sql::NumberLiteral(constant->second);
      }
      if (item.type == dhis2::ItemType::kProgramIndicator) {
        return ProgramIndicatorColumn(item, type, alias, columns, program_indicators);
      }
      if (item.type != dhis2::ItemType::kDataElement || item.modifiers.period_offset != 0 ||
          !item.modifiers.aggregation_type.empty() || item.modifiers.year_to_date ||
          (!item.uid2.empty() && item.uid2 != "*")) {
        return Unsupported(
            "predictors compute data elements, operands (without attribute option combo, with "
            ".minDate() / .maxDate()), program indicators and constants only");
      }
      if (inputs_.value_types.count(item.uid0) == 0) {
        return NotFound("no such data element (silver.data_element)");
      }
      auto chained = predicted_.find(item.uid0);
      if (chained != predicted_.end()) {
        chained_ctes.insert(chained->second.begin(), chained->second.end());
      }
      ItemColumnKey key{item.uid0, item.uid1 == "*" ? "" : item.uid1, "", ""};
      if (!item.modifiers.min_date.empty()) {
        DHL_ASSIGN_OR_RETURN(key.min_date, NormalisedDate(item.modifiers.min_date));
      }
      if (!item.modifiers.max_date.empty()) {
        DHL_ASSIGN_OR_RETURN(key.max_date, NormalisedDate(item.modifiers.max_date));
      }
      auto [it, inserted] = columns.emplace(key, static_cast<int>(columns.size()));
      if (inserted) {
        std::string condition = "d.de = " + Text(key.de);
        if (!key.coc.empty()) condition += " AND d.coc = " + Text(key.coc);
        // dhis2-core PredictionDataFilter: minDate not after the period's start, maxDate not
        // before its end.
        if (!key.min_date.empty()) condition += " AND d.start_date >= DATE " + Text(key.min_date);
        if (!key.max_date.empty()) condition += " AND d.end_date <= DATE " + Text(key.max_date);
        dated = dated || !key.min_date.empty() || !key.max_date.empty();
        sums.push_back("SUM(CASE WHEN " + condition + " THEN d.value END) AS x" +
                       std::to_string(it->second));
        elements.insert(key.de);
      }
      return alias + ".x" + std::to_string(it->second);
    };
    dhis2::ItemSqlFunction current = [&](const dhis2::ItemKey& item) {
      return item_column(item, "c");
    };
    dhis2::ItemSqlFunction sampled = [&](const dhis2::ItemKey& item) {
      return item_column(item, "v");
    };
    std::vector<std::string> aggregates;
    auto add_aggregate = [&](const std::string& aggregate) {
      aggregates.push_back(aggregate + " AS a" + std::to_string(aggregates.size()));
      return "s.a" + std::to_string(aggregates.size() - 1);
    };
    dhis2::SqlCompileOptions inner;
    inner.dialect = dialect_;
    dhis2::SqlCompileOptions options;
    options.dialect = dialect_;
    options.missing_value_strategy = strategy;
    options.item_counts = [](const dhis2::ItemKey& item) {
      return item.type != dhis2::ItemType::kConstant;
    };
    options.sample_function_sql = [&](const dhis2::ExpressionNode& call) -> Result<std::string> {
      if (call.function == dhis2::Function::kPercentileCont) {
        // dhis2-core VectorPercentileCont (Commons Math Percentile, estimation R_7: linear
        // interpolation, as SQL's percentile_cont); a fraction outside 0..1 gives no value.
        std::optional<double> fraction =
            ConstantFraction(expression, call.children[0], inputs_.constants);
        if (!fraction) {
          return Unsupported("the fraction must be a number or a constant");
        }
        DHL_ASSIGN_OR_RETURN(std::string argument, dhis2::CompileSampleArgumentToSql(
                                                       expression, call, 1, sampled, inner));
        if (*fraction < 0 || *fraction > 1) return add_aggregate("CAST(NULL AS DOUBLE)");
        return add_aggregate("percentile_cont(" + sql::NumberLiteral(*fraction) +
                             ") WITHIN GROUP (ORDER BY " + argument + ")");
      }
      DHL_ASSIGN_OR_RETURN(std::string argument,
                           dhis2::CompileSampleArgumentToSql(expression, call, 0, sampled, inner));
      DHL_ASSIGN_OR_RETURN(std::string aggregate, SampleFunctionSql(call.function, argument));
      return add_aggregate(aggregate);
    };
    // normDistCum / normDistDen (dhis2-core FunctionNormDistAbstract): x in the output period; the
    // mean and standard deviation as written, or the average and sample standard deviation of x
    // over the sample periods; NaN when the deviation is not positive (or, without samples, not
    // known), which no prediction stores (PredictionFormatter). Each call's z and deviation are
    // columns of n<p>.
    std::vector<std::string> normal_inputs;   // "z AS z<i>, deviation AS d<i>"
    std::vector<std::string> normal_outputs;  // "<value> AS n<i>"
    options.norm_dist_sql = [&](const dhis2::ExpressionNode& call,
                                const std::vector<std::string>& arguments) -> Result<std::string> {
      std::string mean = arguments.size() > 1 ? arguments[1] : "";
      std::string deviation = arguments.size() > 2 ? arguments[2] : "";
      if (arguments.size() < 3) {
        DHL_ASSIGN_OR_RETURN(
            std::string x, dhis2::CompileSampleArgumentToSql(expression, call, 0, sampled, inner));
        if (mean.empty()) mean = add_aggregate("AVG(" + x + ")");
        deviation = add_aggregate("STDDEV_SAMP(" + x + ")");
      }
      std::string i = std::to_string(normal_outputs.size());
      std::string positive = "CASE WHEN " + deviation + " > 0 THEN " + deviation + " END";
      normal_inputs.push_back("(" + arguments[0] + " - " + mean + ") / " + positive + " AS z" + i +
                              ", " + positive + " AS d" + i);
      std::string z = "z" + i;
      constexpr double kInverseSqrtTwoPi = 0.3989422804014327;
      normal_outputs.push_back(
          "CASE WHEN d" + i + " IS NULL THEN " + sql::NumberLiteral(std::nan("")) + " ELSE " +
          (call.function == dhis2::Function::kNormDistCum
               ? StandardNormalCdfSql(z, dialect_)
               : "EXP(" + sql::NumberLiteral(-0.5) + " * " + z + " * " + z + ") * " +
                     sql::NumberLiteral(kInverseSqrtTwoPi) + " / d" + i) +
          " END AS n" + i);
      return "n.n" + i;
    };
    DHL_ASSIGN_OR_RETURN(std::string value,
                         dhis2::CompileExpressionToSql(expression, current, options));
    if (columns.empty()) {
      return InvalidArgument("the expression reads no data element or program indicator");
    }
    // The skip test (dhis2-core DefaultPredictionService.getSkippedPeriods): evaluated on each
    // sample period's values of the unit and attribute option combo with its own missing value
    // strategy; a sample period where it is true takes no part in any sample function.
    std::string skipped;
    if (skip_test) {
      DHL_ASSIGN_OR_RETURN(dhis2::MissingValueStrategy skip_strategy,
                           Strategy(predictor.sample_skip_test_strategy));
      dhis2::SqlCompileOptions skip_options;
      skip_options.dialect = dialect_;
      skip_options.missing_value_strategy = skip_strategy;
      skip_options.item_counts = options.item_counts;
      auto compiled = dhis2::CompileExpressionToSql(*skip_test, sampled, skip_options);
      if (!compiled.ok()) return compiled.status().WithContext("sampleSkipTest");
      skipped = *compiled;
    }

    // Output periods and their samples.
    auto latest = inputs_.latest_start.find(std::string(dhis2::PeriodTypeName(type)));
    if (latest == inputs_.latest_start.end()) return std::string();  // nothing stored of the type
    DHL_ASSIGN_OR_RETURN(dhis2::Date last_date, dhis2::ParseDate(latest->second));
    std::chrono::year_month_day last_day{last_date};
    dhis2::Date first_date = std::chrono::sys_days{
        std::chrono::year_month_day{last_day.year() - std::chrono::years(inputs_.years),
                                    std::chrono::January, std::chrono::day{1}}};
    std::vector<dhis2::Period> outputs = dhis2::PeriodsBetween(type, first_date, last_date);
    if (outputs.empty()) return std::string();
    outputs.push_back(dhis2::ShiftPeriod(outputs.back(), 1));
    std::vector<std::string> output_rows;
    std::vector<std::string> sample_rows;
    for (const dhis2::Period& period : outputs) {
      output_rows.push_back("(" + Text(period.id()) + ", DATE " +
                            Text(dhis2::FormatDate(period.start())) + ", DATE " +
                            Text(dhis2::FormatDate(period.end())) + ", " +
                            std::to_string(dhis2::YearOf(period.start())) + ")");
      std::set<std::string> samples;
      for (int i = predictor.sequential_skip_count + 1; i <= predictor.sequential_sample_count;
           ++i) {
        samples.insert(dhis2::ShiftPeriod(period, -i).id());
      }
      for (int year = 1; year <= predictor.annual_sample_count; ++year) {
        dhis2::Period base = dhis2::PeriodContaining(type, YearsBefore(period.start(), year));
        for (int j = -predictor.sequential_sample_count; j <= predictor.sequential_sample_count;
             ++j) {
          samples.insert(dhis2::ShiftPeriod(base, j).id());
        }
      }
      for (const std::string& sample : samples) {
        sample_rows.push_back("(" + Text(period.id()) + ", " + Text(sample) + ")");
      }
    }

    std::string p = std::to_string(index);
    std::vector<std::string> element_list;
    for (const std::string& de : elements) element_list.push_back(Text(de));
    // What it reads: the stored values, and for the outputs of predictors computed before it
    // (a chain) their predictions, which replace a stored value of the same key as DHIS2's
    // prediction run overwrites it.
    std::string values = "ref('silver.data_value')";
    if (!chained_ctes.empty()) {
      std::string dates = dated ? ", start_date, end_date" : "";
      std::vector<std::string> predicted_rows;
      for (const std::string& cte : chained_ctes) {
        predicted_rows.push_back("SELECT de, coc, aoc, ou, pe, period_type, value" + dates +
                                 " FROM " + cte);
      }
      std::string predicted = Join(predicted_rows, " UNION ALL ");
      values = "(SELECT s.de, s.coc, s.aoc, s.ou, s.pe, s.period_type, s.value" +
               (dated ? std::string(", s.start_date, s.end_date") : std::string()) +
               " FROM ref('silver.data_value') s LEFT JOIN (" + predicted +
               ") q ON q.de = s.de AND q.coc = s.coc AND q.aoc = s.aoc AND q.ou = s.ou AND q.pe = "
               "s.pe WHERE q.de IS NULL UNION ALL " +
               predicted + ")";
    }
    std::string own_units =
        "(SELECT uid FROM ref('silver.org_unit') WHERE valid_to IS NULL AND "
        "level IN (" +
        Join(levels, ", ") + "))";
    std::string stored_cte = program_indicators.empty() ? "v" + p : "vd" + p;
    if (!sums.empty()) {
      ctes.push_back(
          // Each unit's ancestors at the output levels joined first (a few thousand pairs), then
          // the values to them: joined to every ancestor first, the values were multiplied by
          // the hierarchy's depth before the level filter dropped most (at medium 3.0 M rows for
          // 0.6 M values).
          stored_cte + " AS (SELECT an.ou, d.pe, d.aoc, " + Join(sums, ", ") + " FROM " + values +
          " d JOIN (SELECT an.uid, an.ou FROM ancestor an JOIN " + own_units +
          " u ON u.uid = an.ou) an ON an.uid = d.ou" +
          (predictor.descendants ? "" : " AND an.ou = d.ou") + " WHERE d.de IN (" +
          Join(element_list, ", ") + ") AND d.period_type = " + Text(dhis2::PeriodTypeName(type)) +
          " AND d.value IS NOT NULL GROUP BY an.ou, d.pe, d.aoc)");
    }
    if (!program_indicators.empty()) {
      ctes.push_back(
          ProgramIndicatorCtes(p, type, own_units, columns, program_indicators, !sums.empty()));
    }
    std::string output_periods = "(VALUES " + Join(output_rows, ", ") + ")";
    std::vector<std::string> keys;
    std::string joins;
    ctes.push_back("c" + p + " AS (SELECT v.* FROM v" + p + " v JOIN " + output_periods +
                   " AS o(pe, start_date, end_date, year) ON o.pe = v.pe)");
    keys.push_back("SELECT ou, pe, aoc FROM c" + p);
    joins += " LEFT JOIN c" + p + " c ON c.ou = k.ou AND c.pe = k.pe AND c.aoc = k.aoc";
    if (!aggregates.empty()) {
      if (sample_rows.empty()) {
        return InvalidArgument(
            "sample functions without sample periods (sequentialSampleCount "
            "and annualSampleCount are 0)");
      }
      ctes.push_back("s" + p + " AS (SELECT v.ou, m.pe, v.aoc, " + Join(aggregates, ", ") +
                     " FROM v" + p + " v JOIN (VALUES " + Join(sample_rows, ", ") +
                     ") AS m(pe, sample_pe) ON m.sample_pe = v.pe" +
                     (skipped.empty() ? "" : " WHERE NOT COALESCE((" + skipped + ") = 1, FALSE)") +
                     " GROUP BY v.ou, m.pe, v.aoc)");
      keys.push_back("SELECT ou, pe, aoc FROM s" + p);
      joins += " LEFT JOIN s" + p + " s ON s.ou = k.ou AND s.pe = k.pe AND s.aoc = k.aoc";
    }
    ctes.push_back("k" + p + " AS (" + Join(keys, " UNION ") + ")");
    if (!normal_outputs.empty()) {
      ctes.push_back("n" + p + " AS (SELECT ou, pe, aoc, " + Join(normal_outputs, ", ") +
                     " FROM (SELECT k.ou, k.pe, k.aoc, " + Join(normal_inputs, ", ") + " FROM k" +
                     p + " k" + joins + ") AS z)");
      joins += " LEFT JOIN n" + p + " n ON n.ou = k.ou AND n.pe = k.pe AND n.aoc = k.aoc";
    }
    // The value as DHIS2 stores it (PredictionFormatter.formatNumericPrediction), none where it
    // is NULL, NaN or infinite (value - value = 0 fails for all three), and no zero DHIS2 does not
    // store (PredictionWriter drops a prediction ValidationUtils.dataValueIsZeroAndInsignificant).
    auto value_type = dhis2::ParseValueType(inputs_.value_types.at(predictor.output));
    bool integer = value_type.ok() && dhis2::IsInteger(*value_type);
    std::string stored =
        integer ? JavaRoundSql("predicted.value") : RoundFractionSql("predicted.value", dialect_);
    std::string text =
        integer ? "CAST(CAST(ROUND(value) AS BIGINT) AS STRING)" : JavaDoubleTextSql("value");
    bool drops_zero = inputs_.zero_insignificant.count(predictor.output) > 0;
    return "SELECT predictor, de, coc, aoc, ou, pe, value, " + text +
           " AS value_text, period_type, start_date, end_date, year FROM (SELECT " +
           Text(predictor.uid) + " AS predictor, " + Text(predictor.output) + " AS de, " +
           Text(predictor.output_combo.empty() ? kDefaultCombo : predictor.output_combo) +
           " AS coc, aoc, ou, predicted.pe, " + Text(dhis2::PeriodTypeName(type)) +
           " AS period_type, o.start_date, o.end_date, o.year, CAST(" + stored +
           " AS DOUBLE) AS value FROM (SELECT k.aoc, k.ou, k.pe, CAST(" + value +
           " AS DOUBLE) AS value FROM k" + p + " k" + joins + ") AS predicted JOIN " +
           output_periods +
           " AS o(pe, start_date, end_date, year) ON o.pe = predicted.pe WHERE predicted.value - "
           "predicted.value = 0) AS formatted" +
           (drops_zero ? " WHERE value <> 0" : "");
  }

 private:
  // I{uid} (issue 14; dhis2-core PredictionAnalyticsDataFetcher): the program indicator's value
  // at the output org unit (gold.program_indicator_value holds every level, descendants
  // included) in the period, a column of its own.
  Result<std::string> ProgramIndicatorColumn(const dhis2::ItemKey& item, dhis2::PeriodType type,
                                             const std::string& alias,
                                             std::map<ItemColumnKey, int>& columns,
                                             std::map<std::string, int>& program_indicators) {
    if (!item.modifiers.empty()) {
      return Unsupported("a program indicator with a modifier is not computed in predictors");
    }
    if (inputs_.program_indicators.count(item.uid0) == 0) {
      return NotFound("no such program indicator (silver.program_indicator)");
    }
    std::string type_name(dhis2::PeriodTypeName(type));
    if (std::find(inputs_.program_indicator_period_types.begin(),
                  inputs_.program_indicator_period_types.end(),
                  type_name) == inputs_.program_indicator_period_types.end()) {
      return Unsupported("gold.program_indicator_value holds no " + type_name +
                         " values (add it to [gold] program_indicator_period_types)");
    }
    auto [it, inserted] = columns.emplace(ItemColumnKey{"I{" + item.uid0 + "}", "", "", ""},
                                          static_cast<int>(columns.size()));
    if (inserted) program_indicators[item.uid0] = it->second;
    return alias + ".x" + std::to_string(it->second);
  }

  // The CTEs giving v<p> its program indicator columns. DHIS2 fetches a program indicator from
  // analytics without an attribute option combo (an ENROLLMENT one always; the lake's
  // gold.program_indicator_value has none for any) and adds such values to every attribute
  // option combo the unit's data values have, or to the default combo when it has none
  // (PredictionContextGenerator.addNonAocData): vi<p> the values per unit and period, va<p> the
  // combos of each unit, v<p> the stored values' columns (vd<p>) beside them.
  std::string ProgramIndicatorCtes(const std::string& p, dhis2::PeriodType type,
                                   const std::string& own_units,
                                   const std::map<ItemColumnKey, int>& columns,
                                   const std::map<std::string, int>& program_indicators,
                                   bool has_stored) {
    std::vector<std::string> pivots;
    std::vector<std::string> uids;
    std::vector<std::string> selected;
    for (const auto& [uid, index] : program_indicators) {
      pivots.push_back("SUM(CASE WHEN pv.program_indicator = " + Text(uid) +
                       " THEN pv.value END) AS x" + std::to_string(index));
      uids.push_back(Text(uid));
    }
    for (const auto& [key, index] : columns) {
      bool indicator = key.de.rfind("I{", 0) == 0;
      selected.push_back((indicator ? "i.x" : "d.x") + std::to_string(index) + " AS x" +
                         std::to_string(index));
    }
    std::string ctes = "vi" + p + " AS (SELECT pv.ou, pv.pe, " + Join(pivots, ", ") +
                       " FROM ref('gold.program_indicator_value') pv JOIN " + own_units +
                       " u ON u.uid = pv.ou WHERE pv.program_indicator IN (" + Join(uids, ", ") +
                       ") AND pv.period_type = " + Text(dhis2::PeriodTypeName(type)) +
                       " AND pv.value IS NOT NULL GROUP BY pv.ou, pv.pe),\n";
    std::string default_combo = Text(kDefaultCombo);
    if (has_stored) {
      ctes += "va" + p + " AS (SELECT DISTINCT ou, aoc FROM vd" + p +
              " UNION SELECT DISTINCT vi.ou, " + default_combo + " AS aoc FROM vi" + p +
              " vi LEFT JOIN (SELECT DISTINCT ou FROM vd" + p +
              ") h ON h.ou = vi.ou WHERE h.ou IS NULL),\n";
      ctes += "v" + p + " AS (SELECT k.ou, k.pe, k.aoc, " + Join(selected, ", ") +
              " FROM (SELECT ou, pe, aoc FROM vd" + p +
              " UNION SELECT vi.ou, vi.pe, va.aoc FROM vi" + p + " vi JOIN va" + p +
              " va ON va.ou = vi.ou) k LEFT JOIN vd" + p +
              " d ON d.ou = k.ou AND d.pe = k.pe AND d.aoc = k.aoc LEFT JOIN vi" + p +
              " i ON i.ou = k.ou AND i.pe = k.pe)";
    } else {
      ctes += "v" + p + " AS (SELECT i.ou, i.pe, " + default_combo + " AS aoc, " +
              Join(selected, ", ") + " FROM vi" + p + " i)";
    }
    return ctes;
  }

  static Result<dhis2::MissingValueStrategy> Strategy(const std::string& name) {
    if (name.empty()) return dhis2::MissingValueStrategy::kSkipIfAllValuesMissing;
    auto parsed = dhis2::ParseMissingValueStrategy(name);
    if (!parsed) return InvalidArgument("unknown missing value strategy '" + name + "'");
    return *parsed;
  }
  std::string Text(std::string_view text) const { return sql::StringLiteral(text, dialect_); }

  const PredictorInputs& inputs_;
  const std::map<std::string, std::vector<std::string>>& predicted_;
  sql::Dialect dialect_;
};

}  // namespace

Result<std::string> PredictedValueSql(const PredictorInputs& inputs, sql::Dialect dialect,
                                      std::vector<std::string>* skipped,
                                      std::vector<ExpressionStatus>* statuses) {
  // Predictors run in dependency order (dhis2-core's PredictionServiceImpl runs them in order and
  // stores each one's output, which the next reads as data values): one that reads another's
  // output comes after it and reads its predictions; a predictor left out leaves out those that
  // read it; a cycle (its own output included) is refused naming the chain.
  const std::vector<PredictorDefinition>& all = inputs.predictors;
  std::map<std::string, std::vector<size_t>> producers;  // output data element -> predictors
  for (size_t i = 0; i < all.size(); ++i) producers[all[i].output].push_back(i);
  std::vector<std::set<size_t>> depends(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    auto parsed = dhis2::ParseExpression(all[i].expression,
                                         dhis2::ExpressionMode::kPredictorGeneratorExpression);
    if (!parsed.ok()) continue;  // Compile reports it
    std::vector<dhis2::ItemKey> items = parsed->items();
    if (!all[i].sample_skip_test.empty()) {
      auto skip_test = dhis2::ParseExpression(all[i].sample_skip_test,
                                              dhis2::ExpressionMode::kPredictorSkipTest);
      if (skip_test.ok())
        items.insert(items.end(), skip_test->items().begin(), skip_test->items().end());
    }
    for (const dhis2::ItemKey& item : items) {
      if (item.type != dhis2::ItemType::kDataElement) continue;
      auto found = producers.find(item.uid0);
      if (found != producers.end()) depends[i].insert(found->second.begin(), found->second.end());
    }
  }
  std::map<std::string, std::vector<std::string>> predicted;  // output -> computed CTEs
  PredictorCompiler compiler(inputs, predicted, dialect);
  std::vector<std::string> ctes = {"ancestor AS (" + OrgUnitAncestorSelect() + ")"};
  std::vector<std::string> selects;
  std::vector<int> state(all.size(), 0);  // 0 pending, 1 computed, 2 left out
  std::vector<std::optional<Status>> forced(all.size());
  std::vector<size_t> order;
  std::set<std::string> outputs;  // data elements predicted
  while (order.size() < all.size()) {
    std::optional<size_t> next;
    for (size_t i = 0; i < all.size() && !next; ++i) {
      if (state[i] != 0) continue;
      bool ready = depends[i].count(i) == 0;
      for (size_t j : depends[i]) ready = ready && (j == i || state[j] != 0);
      if (ready) next = i;
    }
    if (!next) {
      // The rest wait on each other: a cycle.
      std::vector<std::string> chain;
      for (size_t i = 0; i < all.size(); ++i) {
        if (state[i] == 0) chain.push_back(all[i].uid);
      }
      for (size_t i = 0; i < all.size(); ++i) {
        if (state[i] != 0) continue;
        forced[i] = InvalidArgument(
            depends[i].count(i) > 0
                ? std::string("reads its own output (a cycle)")
                : "is in a cycle of predictors reading each other's outputs: " + Join(chain, ", "));
        state[i] = 2;
        order.push_back(i);
      }
      break;
    }
    size_t i = *next;
    order.push_back(i);
    for (size_t j : depends[i]) {
      if (j != i && state[j] == 2 && !forced[i]) {
        forced[i] =
            InvalidArgument("reads the output of predictor " + all[j].uid + ", which is left out");
      }
    }
    state[i] = forced[i] ? 2 : 1;  // refined below once compiled
    if (forced[i]) continue;
    std::vector<std::string> own;
    Result<std::string> select = compiler.Compile(all[i], i, own);
    if (!select.ok()) {
      forced[i] = select.status();
      state[i] = 2;
      continue;
    }
    if (select->empty()) continue;  // nothing stored of its period type
    std::string cte = "p" + std::to_string(i);
    ctes.insert(ctes.end(), own.begin(), own.end());
    ctes.push_back(cte + " AS (" + *select + ")");
    selects.push_back(
        "SELECT predictor, de, coc, aoc, ou, pe, value, value_text, period_type, start_date, "
        "end_date, year, " +
        std::to_string(selects.size()) + " AS run_order FROM " + cte);
    outputs.insert(all[i].output);
    predicted[all[i].output].push_back(cte);
  }
  for (size_t i = 0; i < all.size(); ++i) {
    const PredictorDefinition& predictor = all[i];
    Result<std::string> select =
        forced[i] ? Result<std::string>(*forced[i]) : Result<std::string>(std::string());
    ExpressionStatus status{"predictor", predictor.uid, select.ok(), "", std::nullopt};
    if (!select.ok()) {
      status.reason = select.status().message();
      status.position = CharacterIn(status.reason);
      std::string line = "predictor " + predictor.uid + ": " + status.reason;
      LogWarn("gold.predicted_value leaves out {}", line);
      if (skipped != nullptr) skipped->push_back(line);
    }
    if (statuses != nullptr) statuses->push_back(std::move(status));
  }
  if (selects.empty()) return EmptyPredictedValueSelect();
  // Which value gold.analytics takes for a key (de, coc, aoc, ou, pe): the prediction of the
  // predictor run last among those predicting it (DHIS2 writes each in turn, the last stays), and
  // over a value the source stores for the key only when [gold] predictions_replace_stored
  // (default: DHIS2's predictor job overwrites it, PredictionWriter).
  std::vector<std::string> output_list;
  for (const std::string& de : outputs) output_list.push_back(sql::StringLiteral(de, dialect));
  ctes.push_back("predicted AS (" + Join(selects, "\nUNION ALL\n") + ")");
  ctes.push_back(
      "stored AS (SELECT DISTINCT de, coc, aoc, ou, pe FROM ref('silver.data_value') WHERE de IN "
      "(" +
      Join(output_list, ", ") + "))");
  return "WITH " + Join(ctes, ",\n") +
         "\nSELECT q.predictor, q.de, q.coc, q.aoc, q.ou, q.pe, q.value, q.value_text, "
         "q.period_type, "
         "q.start_date, q.end_date, q.year, (ROW_NUMBER() OVER (PARTITION BY q.de, q.coc, q.aoc, "
         "q.ou, q.pe ORDER BY q.run_order DESC NULLS LAST) = 1 AND " +
         (inputs.replace_stored ? std::string("TRUE") : std::string("s.de IS NULL")) +
         ") AS in_analytics FROM predicted q LEFT JOIN stored s ON s.de = q.de AND s.coc = q.coc "
         "AND s.aoc = q.aoc AND s.ou = q.ou AND s.pe = q.pe";
}

std::string EmptyPredictedValueSelect() {
  return "SELECT CAST(NULL AS STRING) AS predictor, CAST(NULL AS STRING) AS de, CAST(NULL AS "
         "STRING) AS coc, CAST(NULL AS STRING) AS aoc, CAST(NULL AS STRING) AS ou, CAST(NULL AS "
         "STRING) AS pe, CAST(NULL AS DOUBLE) AS value, CAST(NULL AS STRING) AS value_text, "
         "CAST(NULL AS STRING) AS period_type, "
         "CAST(NULL AS DATE) AS start_date, CAST(NULL AS DATE) AS end_date, CAST(NULL AS INT) AS "
         "year, CAST(NULL AS BOOLEAN) AS in_analytics FROM (SELECT 1 AS one) AS empty WHERE 1 = 0";
}

Result<std::string> GeneratePredictedValue(const GeneratorContext& context) {
  auto query = [&](const std::string& table,
                   const std::string& select) -> Result<engine::QueryResult> {
    DHL_ASSIGN_OR_RETURN(std::string relation, context.relation(lake::TableName{"silver", table}));
    std::string sql = select;
    sql.replace(sql.find("$T"), 2, relation);
    return context.connection->Query(sql);
  };
  PredictorInputs inputs;
  if (context.settings != nullptr) {
    inputs.years = context.settings->predictor.years;
    inputs.level_placeholders = context.settings->predictor.level_placeholders;
    inputs.replace_stored = context.settings->predictor.replace_stored;
    inputs.program_indicator_period_types = context.settings->program_indicator.period_types;
  }
  DHL_ASSIGN_OR_RETURN(
      auto predictors,
      query("predictor",
            "SELECT uid, output, output_combo, period_type, expression, missing_value_strategy, "
            "sample_skip_test, sequential_sample_count, annual_sample_count, "
            "sequential_skip_count, org_unit_levels, org_unit_descendants, "
            "sample_skip_test_missing_value_strategy FROM $T WHERE uid IS NOT NULL ORDER BY "
            "uid"));
  for (size_t row = 0; row < predictors.row_count(); ++row) {
    auto text = [&](size_t column) { return predictors.GetString(column, row).value_or(""); };
    PredictorDefinition predictor;
    predictor.uid = text(0);
    predictor.output = text(1);
    predictor.output_combo = text(2);
    predictor.period_type = text(3);
    predictor.expression = text(4);
    predictor.missing_value_strategy = text(5);
    predictor.sample_skip_test = text(6);
    predictor.sequential_sample_count = static_cast<int>(predictors.GetInt64(7, row).value_or(0));
    predictor.annual_sample_count = static_cast<int>(predictors.GetInt64(8, row).value_or(0));
    predictor.sequential_skip_count = static_cast<int>(predictors.GetInt64(9, row).value_or(0));
    nlohmann::json levels = nlohmann::json::parse(text(10), nullptr, false);
    if (levels.is_array()) {
      for (const nlohmann::json& level : levels) {
        if (level.is_object() && level.contains("id") && level["id"].is_string()) {
          predictor.level_uids.push_back(level["id"].get<std::string>());
        }
      }
    }
    predictor.descendants = text(11) != "SELECTED";
    predictor.sample_skip_test_strategy = text(12);
    inputs.predictors.push_back(std::move(predictor));
  }
  DHL_ASSIGN_OR_RETURN(
      auto elements,
      query("data_element",
            "SELECT uid, value_type, aggregation_type, zero_is_significant FROM $T"));
  for (size_t row = 0; row < elements.row_count(); ++row) {
    auto uid = elements.GetString(0, row);
    if (!uid) continue;
    std::string type_name = elements.GetString(1, row).value_or("NUMBER");
    inputs.value_types[*uid] = type_name;
    auto value_type = dhis2::ParseValueType(type_name);
    auto aggregation = dhis2::ParseAggregationType(elements.GetString(2, row).value_or("SUM"));
    bool significant = elements.GetBool(3, row).value_or(false);
    if (value_type.ok() && dhis2::IsNumeric(*value_type) &&
        !dhis2::StoresZero(aggregation.ok() ? *aggregation : dhis2::AggregationType::kSum,
                           significant)) {
      inputs.zero_insignificant.insert(*uid);
    }
  }
  DHL_ASSIGN_OR_RETURN(auto levels, query("org_unit_level", "SELECT uid, level FROM $T"));
  for (size_t row = 0; row < levels.row_count(); ++row) {
    auto uid = levels.GetString(0, row);
    auto level = levels.GetInt64(1, row);
    if (uid && level) inputs.levels[*uid] = static_cast<int>(*level);
  }
  DHL_ASSIGN_OR_RETURN(auto constants,
                       query("constant", "SELECT uid, CAST(value AS DOUBLE) FROM $T"));
  for (size_t row = 0; row < constants.row_count(); ++row) {
    auto uid = constants.GetString(0, row);
    auto value = constants.GetDouble(1, row);
    if (uid && value) inputs.constants[*uid] = *value;
  }
  DHL_ASSIGN_OR_RETURN(
      auto program_indicators,
      query("program_indicator", "SELECT DISTINCT uid FROM $T WHERE uid IS NOT NULL"));
  for (size_t row = 0; row < program_indicators.row_count(); ++row) {
    if (auto uid = program_indicators.GetString(0, row)) inputs.program_indicators.insert(*uid);
  }
  DHL_ASSIGN_OR_RETURN(auto latest, query("data_value",
                                          "SELECT period_type, CAST(max(start_date) AS VARCHAR) "
                                          "FROM $T WHERE period_type IS NOT NULL GROUP BY "
                                          "period_type"));
  for (size_t row = 0; row < latest.row_count(); ++row) {
    auto type = latest.GetString(0, row);
    auto start = latest.GetString(1, row);
    if (type && start) inputs.latest_start[*type] = *start;
  }
  return PredictedValueSql(inputs, context.dialect, context.warnings, context.expression_status);
}

}  // namespace dhl::pipeline
