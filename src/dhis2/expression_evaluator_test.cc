#include "dhis2/expression_evaluator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace dhl::dhis2 {
namespace {

// Item keys used below, written out by hand (not through the parser).
ItemKey DataElement(std::string uid, std::string coc = "") {
  ItemKey key;
  key.type = ItemType::kDataElement;
  key.uid0 = std::move(uid);
  key.uid1 = std::move(coc);
  return key;
}

const ItemKey kA = DataElement("dataElemenA");
const ItemKey kB = DataElement("dataElemenB");
const ItemKey kE = DataElement("dataElemenE");  // never has a value

Expression Parse(std::string_view text,
                 ExpressionMode mode = ExpressionMode::kIndicatorExpression) {
  Result<Expression> expression = ParseExpression(text, mode);
  EXPECT_TRUE(expression.ok()) << text << ": " << expression.status().ToString();
  return expression.ok() ? *expression : Expression();
}

// The value as text ("null", "3", "true") with A = 3, B = 13, E missing, [days] = 30.
std::string Eval(std::string_view text,
                 MissingValueStrategy strategy = MissingValueStrategy::kSkipIfAnyValueMissing,
                 ExpressionMode mode = ExpressionMode::kIndicatorExpression) {
  Expression expression = Parse(text, mode);
  ItemValueMap values = {{kA, 3}, {kB, 13}};
  EvaluationOptions options;
  options.missing_value_strategy = strategy;
  options.days = 30;
  Result<ExpressionValue> value = EvaluateExpression(expression, values, options);
  if (!value.ok()) {
    return "error: " + value.status().ToString();
  }
  return value->ToString();
}

double EvalNumber(std::string_view text) {
  Expression expression = Parse(text);
  Result<ExpressionValue> value = EvaluateExpression(expression, ItemValueMap(), {});
  EXPECT_TRUE(value.ok()) << value.status().ToString();
  std::optional<double> number = value.ok() ? value->AsNumber() : std::nullopt;
  return number.value_or(std::numeric_limits<double>::quiet_NaN());
}

// Cases from dhis2-core's ExpressionServiceTest (values A = 3, B = 13, E missing), which runs with
// SKIP_IF_ANY_VALUE_MISSING unless stated.
TEST(ExpressionEvaluatorTest, ArithmeticAsDhis2Core) {
  EXPECT_EQ(Eval("2 ^ 3 ^ 2"), "512");
  EXPECT_EQ(Eval("( 2 ^ 3 ) ^ 2"), "64");
  EXPECT_EQ(Eval("2 ^ -2"), "0.25");
  EXPECT_EQ(Eval("-(2) ^ 2"), "-4");
  EXPECT_EQ(Eval("(-(2)) ^ 2"), "4");
  EXPECT_EQ(Eval("- 2 + 3"), "1");
  EXPECT_EQ(Eval("12 / ( 3 / 2 )"), "8");
  EXPECT_EQ(Eval("12 % 5 % 3"), "2");
  EXPECT_EQ(Eval("7 % 4 / 2"), "1.5");
  EXPECT_EQ(Eval("-(7) % 3"), "-1");
  EXPECT_EQ(Eval("2 - 3 - 4"), "-5");
  EXPECT_EQ(Eval("4 + 3 % 2"), "5");
  EXPECT_EQ(Eval("#{dataElemenA} * #{dataElemenE}"), "null");
  EXPECT_EQ(Eval("- #{dataElemenE}"), "null");
  EXPECT_EQ(Eval("#{dataElemenA} + #{dataElemenB}"), "16");
}

TEST(ExpressionEvaluatorTest, LogarithmsAsDhis2Core) {
  EXPECT_NEAR(EvalNumber("log(50)"), 3.912023005428146, 1e-12);
  EXPECT_NEAR(EvalNumber("log(50,3)"), 3.5608767950073115, 1e-12);
  EXPECT_NEAR(EvalNumber("log(8,2)"), 3, 1e-12);
  EXPECT_EQ(EvalNumber("log(0)"), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(EvalNumber("log(-1)")));
  EXPECT_EQ(EvalNumber("log(50,0)"), 0);
  EXPECT_TRUE(std::isnan(EvalNumber("log(50,-3)")));
  EXPECT_NEAR(EvalNumber("log10(50)"), 1.6989700043360187, 1e-12);
  EXPECT_EQ(EvalNumber("log10(0)"), -std::numeric_limits<double>::infinity());
}

TEST(ExpressionEvaluatorTest, ComparisonsLogicAndStrings) {
  EXPECT_EQ(Eval("if(5 <= 2 + 3, 1, 0)"), "1");
  EXPECT_EQ(Eval("if(1 + 2 != 3, 1, 0)"), "0");
  EXPECT_EQ(Eval("if( 'a' < 'b', 1, 0)"), "1");
  EXPECT_EQ(Eval("if( 'b' <= 'a', 1, 0)"), "0");
  EXPECT_EQ(Eval("if( false < true, 1, 0)"), "1");
  EXPECT_EQ(Eval("if( ! true <= false, 1, 0)"), "1");
  EXPECT_EQ(Eval("if( true == false == false, 1, 0)"), "1");
  EXPECT_EQ(Eval("if( true || true && false, 1, 0)"), "1");
  EXPECT_EQ(Eval("if( ( true || true ) && false, 1, 0)"), "0");
  EXPECT_EQ(Eval("if( #{dataElemenA} > #{dataElemenE}, 1, 0)"), "null");
  EXPECT_EQ(Eval("1 < 2"), "true");
  EXPECT_EQ(Eval("contains('ab,cd,ef','b,c')"), "true");
  EXPECT_EQ(Eval("contains('ab,cd,ef','ef', 'cd', 'ab')"), "true");
  EXPECT_EQ(Eval("contains('ab,cd,ef','ac')"), "false");
  EXPECT_EQ(Eval("containsItems('ab,cd,ef','b,c')"), "false");
  EXPECT_EQ(Eval("containsItems('ab,cd,ef','ef', 'cd', 'ab')"), "true");
  // Three-valued logic (as SQL).
  EXPECT_EQ(Eval("true || null"), "true");
  EXPECT_EQ(Eval("false && null"), "false");
  EXPECT_EQ(Eval("null && true"), "null");
  EXPECT_EQ(Eval("!null"), "null");
  EXPECT_EQ(Eval("if(null, 1, 2)"), "null");
}

TEST(ExpressionEvaluatorTest, NullsAndRemoveZerosAsDhis2Core) {
  EXPECT_EQ(Eval("null"), "null");
  EXPECT_EQ(Eval("1 - null"), "null");
  EXPECT_EQ(Eval("removeZeros( 0 )"), "null");
  EXPECT_EQ(Eval("removeZeros( 10 - 2 * 5 )"), "null");
  EXPECT_EQ(Eval("removeZeros( 10 )"), "10");
  EXPECT_EQ(Eval("greatest( 3, 4, 1, 5, 2 )"), "5");
  EXPECT_EQ(Eval("least( 3, 4, 1, 5, 2 )"), "1");
  EXPECT_EQ(Eval("greatest( #{dataElemenE} )"), "null");
  EXPECT_EQ(Eval("greatest( 1, null, 3 )"), "3");
  EXPECT_EQ(Eval("least( null, null )"), "null");
  using enum MissingValueStrategy;
  EXPECT_EQ(Eval("if( isNull( #{dataElemenA} ), 1, 0)", kNeverSkip), "0");
  EXPECT_EQ(Eval("if( isNull( #{dataElemenE} ), 1, 0)", kNeverSkip), "1");
  EXPECT_EQ(Eval("if( isNotNull( #{dataElemenE} ), 1, 0)", kNeverSkip), "0");
  EXPECT_EQ(Eval("firstNonNull( #{dataElemenE}, #{dataElemenA} )", kNeverSkip), "3");
  EXPECT_EQ(Eval("firstNonNull( #{dataElemenE} )", kNeverSkip), "0");  // null result replaced
  // Items inside isNull() are not counted, so they never trigger a skip.
  EXPECT_EQ(Eval("if( isNull( #{dataElemenE} ), 1, 0)", kSkipIfAnyValueMissing), "1");
  // Division or modulo by zero gives null, which then becomes 0 like any null result.
  EXPECT_EQ(Eval("1 / 0"), "0");
  EXPECT_EQ(Eval("5 % 0"), "0");
  EXPECT_EQ(Eval("if(isNull(1 / 0), 7, 8)"), "7");
}

TEST(ExpressionEvaluatorTest, MissingValueStrategies) {
  using enum MissingValueStrategy;
  EXPECT_EQ(Eval("#{dataElemenA}", kSkipIfAnyValueMissing), "3");
  EXPECT_EQ(Eval("#{dataElemenA} + #{dataElemenE}", kSkipIfAnyValueMissing), "null");
  EXPECT_EQ(Eval("#{dataElemenE}", kSkipIfAnyValueMissing), "null");
  EXPECT_EQ(Eval("#{dataElemenA} + #{dataElemenE}", kSkipIfAllValuesMissing), "3");
  EXPECT_EQ(Eval("#{dataElemenE} + #{dataElemenE}", kSkipIfAllValuesMissing), "null");
  EXPECT_EQ(Eval("#{dataElemenE}", kSkipIfAllValuesMissing), "null");
  EXPECT_EQ(Eval("#{dataElemenA} + #{dataElemenE}", kNeverSkip), "3");
  EXPECT_EQ(Eval("#{dataElemenE}", kNeverSkip), "0");
  EXPECT_EQ(Eval("1 + 2", kSkipIfAllValuesMissing), "3");  // no items: nothing to skip
  // An item in the branch not taken still counts (a documented simplification).
  EXPECT_EQ(Eval("if(true, #{dataElemenA}, #{dataElemenE})", kSkipIfAnyValueMissing), "null");
}

TEST(ExpressionEvaluatorTest, ItemsConstantsDaysAndModifiers) {
  Expression e = Parse(
      "#{fbfJHSPpUQD.pq2XI5kz2BY} + #{fbfJHSPpUQD}.periodOffset(-1) * C{Gfd3ppDfq8E} + [days]"
      " + R{BfMAe6Itzgt.REPORTING_RATE} + OUG{CXw2yu5fodb} + N{Uvn6LCg7dVU}");
  ItemKey previous = DataElement("fbfJHSPpUQD");
  previous.modifiers.period_offset = -1;
  ItemKey constant{ItemType::kConstant, "Gfd3ppDfq8E", "", "", {}};
  ItemKey rate{ItemType::kReportingRate, "BfMAe6Itzgt", "REPORTING_RATE", "", {}};
  ItemKey group{ItemType::kOrgUnitGroupCount, "CXw2yu5fodb", "", "", {}};
  ItemKey indicator{ItemType::kIndicator, "Uvn6LCg7dVU", "", "", {}};
  ItemValueMap values = {{DataElement("fbfJHSPpUQD", "pq2XI5kz2BY"), 10},
                         {previous, 4},
                         {constant, 0.5},
                         {rate, 80},
                         {group, 3},
                         {indicator, 1000}};
  EvaluationOptions options;
  options.days = 31;
  Result<ExpressionValue> value = EvaluateExpression(e, values, options);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(value->AsNumber(), 10 + 4 * 0.5 + 31 + 80 + 3 + 1000);
  // The current-period value of the same data element is a different item.
  values.erase(previous);
  values[DataElement("fbfJHSPpUQD")] = 99;
  EXPECT_EQ(EvaluateExpression(e, values, options)->AsNumber(), 10 + 0 + 31 + 80 + 3 + 1000);
  EXPECT_EQ(EvaluateExpression(e, values, {}).status().code(), StatusCode::kInvalidArgument);
}

TEST(ExpressionEvaluatorTest, PositionalValuesMustMatchTheItems) {
  Expression e = Parse("#{fbfJHSPpUQD} + #{h0xKKjijTdI}");
  std::vector<std::optional<double>> values = {1.0, std::nullopt};
  EXPECT_EQ(EvaluateExpression(e, std::span<const std::optional<double>>(values), {})->AsNumber(),
            1);
  values.pop_back();
  EXPECT_EQ(
      EvaluateExpression(e, std::span<const std::optional<double>>(values), {}).status().code(),
      StatusCode::kInvalidArgument);
}

TEST(ExpressionEvaluatorTest, UnsupportedConstructsSaySo) {
  for (std::string_view text : {"I{luLGbE2WKGP}", "D{IpHINAT79UW.bx6fsa0t90x} + 1",
                                "A{w75KJ2mc4zz}", "if(orgUnit.group(CXw2yu5fodb), 1, 0)",
                                "subExpression(#{fbfJHSPpUQD})", "normDistCum(#{fbfJHSPpUQD})"}) {
    Result<ExpressionValue> value = EvaluateExpression(Parse(text), ItemValueMap(), {});
    EXPECT_EQ(value.status().code(), StatusCode::kUnsupported) << text;
  }
  Expression predictor =
      Parse("avg(#{fbfJHSPpUQD})", ExpressionMode::kPredictorGeneratorExpression);
  EXPECT_EQ(EvaluateExpression(predictor, ItemValueMap(), {}).status().code(),
            StatusCode::kUnsupported);
  // ... whatever the values and wherever the construct sits.
  EXPECT_EQ(Eval("if(false, I{luLGbE2WKGP}, 5)", MissingValueStrategy::kNeverSkip).substr(0, 18),
            "error: unsupported");
}

TEST(ExpressionEvaluatorTest, NormalDistribution) {
  EXPECT_NEAR(EvalNumber("normDistCum(1, 0, 1)"), 0.8413447460685429, 1e-12);
  EXPECT_NEAR(EvalNumber("normDistCum(0, 0, 1)"), 0.5, 1e-15);
  EXPECT_NEAR(EvalNumber("normDistDen(0, 0, 1)"), 0.3989422804014327, 1e-15);
  EXPECT_NEAR(EvalNumber("normDistDen(12, 10, 2)"), 0.12098536225957168, 1e-15);
  EXPECT_TRUE(std::isnan(EvalNumber("normDistCum(1, 0, 0)")));
}

// ANC 1 coverage (Uvn6LCg7dVU = #{fbfJHSPpUQD}/#{h0xKKjijTdI}, per cent, annualised) for clinic
// uNEhNuBUr0i in June 2023: 10 first visits, 71 expected pregnancies, 30 days:
// 10 / 71 * 100 * 365 / 30 = 365000 / 2130 = 171.3615023474178...
TEST(IndicatorTest, Anc1CoverageJune2023) {
  Expression numerator = Parse("#{fbfJHSPpUQD}");
  Expression denominator = Parse("#{h0xKKjijTdI}");
  IndicatorFormula formula{&numerator, &denominator, 100, true};
  ItemValueMap values = {{DataElement("fbfJHSPpUQD"), 10}, {DataElement("h0xKKjijTdI"), 71}};
  Result<std::optional<IndicatorValue>> value = EvaluateIndicator(formula, values, 30);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  ASSERT_TRUE(value->has_value());
  EXPECT_NEAR((*value)->value, 365000.0 / 2130.0, 1e-12);
  EXPECT_NEAR((*value)->value, 171.36, 0.005);
  EXPECT_EQ((*value)->numerator, 10);
  EXPECT_EQ((*value)->denominator, 71);
  EXPECT_EQ((*value)->multiplier, 36500);
  EXPECT_EQ((*value)->divisor, 30);
  // July (31 days, 20 visits) and August (31 days, 7 visits): 331.7 and 116.1 in the 2.36 answers.
  values[DataElement("fbfJHSPpUQD")] = 20;
  EXPECT_NEAR((**EvaluateIndicator(formula, values, 31)).value, 331.7, 0.05);
  values[DataElement("fbfJHSPpUQD")] = 7;
  EXPECT_NEAR((**EvaluateIndicator(formula, values, 31)).value, 116.1, 0.05);
}

TEST(IndicatorTest, MissingAndZeroRules) {
  Expression numerator = Parse("#{fbfJHSPpUQD} + #{cYeuwXTCPkU}");
  Expression denominator = Parse("#{h0xKKjijTdI}");
  IndicatorFormula formula{&numerator, &denominator, 1, false};
  ItemKey first = DataElement("fbfJHSPpUQD");
  ItemKey second = DataElement("cYeuwXTCPkU");
  ItemKey expected = DataElement("h0xKKjijTdI");
  // One numerator item missing: counts as 0.
  auto value = EvaluateIndicator(formula, {{first, 6}, {expected, 4}}, 30);
  ASSERT_TRUE(value.ok());
  ASSERT_TRUE(value->has_value());
  EXPECT_EQ((*value)->value, 1.5);
  // Every numerator item missing: no value.
  EXPECT_FALSE(EvaluateIndicator(formula, {{expected, 4}}, 30)->has_value());
  // Denominator missing or zero: no value.
  EXPECT_FALSE(EvaluateIndicator(formula, {{first, 6}}, 30)->has_value());
  EXPECT_FALSE(EvaluateIndicator(formula, {{first, 6}, {expected, 0}}, 30)->has_value());
  // A numerator of 0 is a value.
  EXPECT_EQ((**EvaluateIndicator(formula, {{first, 0}, {expected, 4}}, 30)).value, 0);
}

TEST(IndicatorTest, FactorsAndAnnualisationOverLongPeriods) {
  Expression numerator = Parse("#{fbfJHSPpUQD}");
  Expression denominator = Parse("#{h0xKKjijTdI}");
  ItemValueMap values = {{DataElement("fbfJHSPpUQD"), 50}, {DataElement("h0xKKjijTdI"), 200}};
  // Per thousand, not annualised: 50 / 200 * 1000.
  IndicatorFormula per_thousand{&numerator, &denominator, 1000, false};
  EXPECT_EQ((**EvaluateIndicator(per_thousand, values, 30)).value, 250);
  // Annualised over the leap year 2024 (366 days): 50 / 200 * 100 * 365 / 366.
  IndicatorFormula percent{&numerator, &denominator, 100, true};
  EXPECT_NEAR((**EvaluateIndicator(percent, values, 366)).value, 25.0 * 365 / 366, 1e-12);
  // Over the financial year April 2023 - March 2024 (366 days) and over two years (731 days): the
  // days of the periods add up, so a two-year total is halved.
  EXPECT_NEAR((**EvaluateIndicator(percent, values, 731)).value, 25.0 * 365 / 731, 1e-12);
  EXPECT_EQ(EvaluateIndicator(percent, values, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST(ExpressionEvaluatorTest, Throughput) {
  Expression e = Parse(
      "(#{fbfJHSPpUQD.pq2XI5kz2BY} + #{fbfJHSPpUQD.PT59n8BQbqM} - #{Jtf34kNZhzP.pq2XI5kz2BY}"
      " - #{Jtf34kNZhzP.PT59n8BQbqM}) / (#{fbfJHSPpUQD.pq2XI5kz2BY} + #{fbfJHSPpUQD.PT59n8BQbqM})"
      " * 100");
  constexpr int kCells = 300000;
  std::vector<std::optional<double>> values(e.items().size());
  EvaluationOptions options;
  double total = 0;
  auto start = std::chrono::steady_clock::now();
  for (int cell = 0; cell < kCells; ++cell) {
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] = (cell + i) % 7 == 0 ? std::nullopt : std::optional<double>(cell % 100 + i);
    }
    Result<ExpressionValue> value =
        EvaluateExpression(e, std::span<const std::optional<double>>(values), options);
    total += value->AsNumber().value_or(0);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "evaluated " << kCells << " cells of a 6-item expression in " << seconds << " s ("
            << static_cast<long long>(kCells / seconds) << " cells/s; checksum " << total << ")\n";
  EXPECT_NE(total, 0);
}

}  // namespace
}  // namespace dhl::dhis2
