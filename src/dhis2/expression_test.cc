#include "dhis2/expression.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/test_paths.h"

namespace dhl::dhis2 {
namespace {

constexpr ExpressionMode kIndicator = ExpressionMode::kIndicatorExpression;
constexpr ExpressionMode kValidation = ExpressionMode::kValidationRuleExpression;
constexpr ExpressionMode kPredictor = ExpressionMode::kPredictorGeneratorExpression;

Expression Parse(std::string_view text, ExpressionMode mode = kIndicator) {
  Result<Expression> expression = ParseExpression(text, mode);
  EXPECT_TRUE(expression.ok()) << text << ": " << expression.status().ToString();
  return expression.ok() ? *expression : Expression();
}

std::string Normal(std::string_view text, ExpressionMode mode = kIndicator) {
  return Parse(text, mode).Normalised();
}

std::string ErrorOf(std::string_view text, ExpressionMode mode = kIndicator) {
  Result<Expression> expression = ParseExpression(text, mode);
  if (expression.ok()) {
    ADD_FAILURE() << text << " parsed";
    return "";
  }
  EXPECT_EQ(expression.status().code(), StatusCode::kInvalidArgument);
  // The first line is the message; the rest shows the caret.
  std::string message = expression.status().message();
  return message.substr(0, message.find('\n'));
}

std::vector<std::string> ItemTexts(const Expression& expression) {
  std::vector<std::string> out;
  for (const ItemKey& key : expression.items()) {
    out.push_back(key.ToString());
  }
  return out;
}

TEST(ExpressionParseTest, PrecedenceAndAssociativity) {
  // The tree is visible through the normal form's minimal parentheses.
  EXPECT_EQ(Normal("1+2*3"), "1 + 2 * 3");
  EXPECT_EQ(Normal("(1+2)*3"), "(1 + 2) * 3");
  EXPECT_EQ(Normal("1-(2-3)"), "1 - (2 - 3)");
  EXPECT_EQ(Normal("(1-2)-3"), "1 - 2 - 3");
  EXPECT_EQ(Normal("2^3^2"), "2 ^ 3 ^ 2");
  EXPECT_EQ(Normal("(2^3)^2"), "(2 ^ 3) ^ 2");
  EXPECT_EQ(Normal("-2^2"), "-2 ^ 2");
  EXPECT_EQ(Normal("(-2)^2"), "(-2) ^ 2");
  EXPECT_EQ(Normal("2^-1"), "2 ^ -1");
  EXPECT_EQ(Normal("-2*3"), "-2 * 3");
  EXPECT_EQ(Normal("1 < 2 == true"), "1 < 2 == true");
  EXPECT_EQ(Normal("1 == (2 < 3)"), "1 == 2 < 3");
  EXPECT_EQ(Normal("(1 == 2) < 3"), "(1 == 2) < 3");
  EXPECT_EQ(Normal("true || false && false"), "true || false && false");
  EXPECT_EQ(Normal("(true || false) && false"), "(true || false) && false");
  EXPECT_EQ(Normal("not true and false or true"), "!true && false || true");
  EXPECT_EQ(Normal("! true < false"), "!true < false");
  EXPECT_EQ(Normal("1 % 2 * 3 / 4"), "1 % 2 * 3 / 4");
}

TEST(ExpressionParseTest, TreeShapeOfPowerAndUnaryMinus) {
  Expression e = Parse("-2^2");
  ASSERT_EQ(e.root().kind, NodeKind::kUnary);
  EXPECT_EQ(e.root().unary_operator, UnaryOperator::kMinus);
  EXPECT_EQ(e.root().children[0].kind, NodeKind::kBinary);
  EXPECT_EQ(e.root().children[0].binary_operator, BinaryOperator::kPower);
  Expression right = Parse("2^3^2");
  ASSERT_EQ(right.root().kind, NodeKind::kBinary);
  EXPECT_EQ(right.root().children[0].kind, NodeKind::kNumber);
  EXPECT_EQ(right.root().children[1].kind, NodeKind::kBinary);
}

TEST(ExpressionParseTest, Literals) {
  EXPECT_EQ(Parse("2.").root().number, 2);
  EXPECT_EQ(Parse(".25").root().number, 0.25);
  EXPECT_EQ(Parse("2.1E-1").root().number, 0.21);
  EXPECT_EQ(Parse("2E+1").root().number, 20);
  EXPECT_EQ(Parse("'it\\'s'").root().text, "it's");
  EXPECT_EQ(Parse("\"a\\nb\"").root().text, "a\nb");
  EXPECT_EQ(Parse("'\\u00e9'").root().text, "\xc3\xa9");
  EXPECT_EQ(Parse("null").root().kind, NodeKind::kNull);
  EXPECT_TRUE(Parse("true").root().boolean);
  EXPECT_EQ(Parse("[days]").root().kind, NodeKind::kDays);
  EXPECT_TRUE(Parse("[days] * 2").uses_days());
}

TEST(ExpressionParseTest, WhitespaceAndComments) {
  EXPECT_EQ(Normal(" \t1\n+\r\n2 "), "1 + 2");
  EXPECT_EQ(Normal("1 /* one */ + /* two */ 2"), "1 + 2");
  EXPECT_EQ(Normal("/* leading */ #{fbfJHSPpUQD} /* trailing */"), "#{fbfJHSPpUQD}");
  EXPECT_EQ(ErrorOf("1 // no line comments"), "unexpected character '/' at character 3");
  EXPECT_EQ(ErrorOf("1 /* unclosed"), "unclosed comment at character 2");
}

TEST(ExpressionParseTest, Items) {
  Expression e = Parse(
      "#{fbfJHSPpUQD} + #{fbfJHSPpUQD.pq2XI5kz2BY} + #{fbfJHSPpUQD.pq2XI5kz2BY.HllvX50cXC0}"
      " + #{fbfJHSPpUQD.*.HllvX50cXC0} + #{fbfJHSPpUQD.pq2XI5kz2BY.*} + C{Gfd3ppDfq8E}"
      " + OUG{CXw2yu5fodb} + R{BfMAe6Itzgt.REPORTING_RATE} + N{Uvn6LCg7dVU} + [days]"
      " + #{fbfJHSPpUQD}");
  EXPECT_EQ(ItemTexts(e), (std::vector<std::string>{
                              "#{fbfJHSPpUQD}", "#{fbfJHSPpUQD.pq2XI5kz2BY}",
                              "#{fbfJHSPpUQD.pq2XI5kz2BY.HllvX50cXC0}",
                              "#{fbfJHSPpUQD.*.HllvX50cXC0}", "C{Gfd3ppDfq8E}", "OUG{CXw2yu5fodb}",
                              "R{BfMAe6Itzgt.REPORTING_RATE}", "N{Uvn6LCg7dVU}"}));
  EXPECT_EQ(e.items()[0].type, ItemType::kDataElement);
  EXPECT_EQ(e.items()[3].uid1, "*");
  EXPECT_EQ(e.items()[3].uid2, "HllvX50cXC0");
  EXPECT_EQ(e.items()[4].type, ItemType::kConstant);
  EXPECT_EQ(e.items()[5].type, ItemType::kOrgUnitGroupCount);
  EXPECT_EQ(e.items()[6].type, ItemType::kReportingRate);
  EXPECT_EQ(e.items()[6].uid1, "REPORTING_RATE");
  EXPECT_EQ(e.items()[7].type, ItemType::kIndicator);
  for (std::string_view metric : kReportingRateMetrics) {
    Expression r = Parse("R{BfMAe6Itzgt." + std::string(metric) + "}");
    EXPECT_EQ(r.items()[0].uid1, metric);
  }
}

TEST(ExpressionParseTest, ProgramItemsParse) {
  Expression e = Parse(
      "I{luLGbE2WKGP} + D{IpHINAT79UW.bx6fsa0t90x} + A{IpHINAT79UW.w75KJ2mc4zz}"
      " + A{w75KJ2mc4zz}");
  ASSERT_EQ(e.items().size(), 4u);
  EXPECT_EQ(e.items()[0].type, ItemType::kProgramIndicator);
  EXPECT_EQ(e.items()[1].type, ItemType::kProgramDataElement);
  EXPECT_EQ(e.items()[1].uid1, "bx6fsa0t90x");
  EXPECT_EQ(e.items()[2].type, ItemType::kProgramAttribute);
  EXPECT_EQ(e.items()[3].uid1, "");
}

TEST(ExpressionParseTest, LegacyReportingRateWithHash) {
  Expression e = Parse("#{BfMAe6Itzgt.REPORTING_RATE}/100");
  ASSERT_EQ(e.items().size(), 1u);
  EXPECT_EQ(e.items()[0].type, ItemType::kReportingRate);
  EXPECT_EQ(e.items()[0].ToString(), "R{BfMAe6Itzgt.REPORTING_RATE}");
}

TEST(ExpressionParseTest, Modifiers) {
  Expression e = Parse(
      "#{fbfJHSPpUQD}.periodOffset(-1) + #{fbfJHSPpUQD}.periodOffset(-1).periodOffset(-2)"
      " + (#{fbfJHSPpUQD} + C{Gfd3ppDfq8E}).periodOffset(+2)"
      " + #{fbfJHSPpUQD}.aggregationType(LAST).minDate(2023-1-1).maxDate(2023-12-31)"
      " + #{fbfJHSPpUQD}.yearToDate() + #{fbfJHSPpUQD}");
  EXPECT_EQ(ItemTexts(e),
            (std::vector<std::string>{
                "#{fbfJHSPpUQD}.periodOffset(-1)",
                "#{fbfJHSPpUQD}.periodOffset(-3)",
                "#{fbfJHSPpUQD}.periodOffset(2)",
                "C{Gfd3ppDfq8E}.periodOffset(2)",
                "#{fbfJHSPpUQD}.aggregationType(last).minDate(2023-1-1).maxDate(2023-12-31)",
                "#{fbfJHSPpUQD}.yearToDate()",
                "#{fbfJHSPpUQD}",
            }));
  EXPECT_EQ(ErrorOf("#{fbfJHSPpUQD}.periodOffset(x)"),
            "expected an integer period offset at character 28");
  EXPECT_EQ(ErrorOf("#{fbfJHSPpUQD}.aggregationType(NOT_AN_AGGREGATION_TYPE)"),
            "expected an aggregation type at character 31");
  EXPECT_EQ(ErrorOf("#{fbfJHSPpUQD}.maxDate(2022-13)"),
            "expected a date yyyy-MM-dd at character 23");
  EXPECT_EQ(ErrorOf("#{fbfJHSPpUQD}.bogus(1)"), "unknown modifier '.bogus' at character 15");
  EXPECT_EQ(
      ErrorOf("#{fbfJHSPpUQD}.periodOffset(1)", kValidation),
      "modifier '.periodOffset' is not allowed in VALIDATION_RULE_EXPRESSION at character 15");
}

TEST(ExpressionParseTest, FunctionsByMode) {
  Parse(
      "if(isNull(#{fbfJHSPpUQD}), 0, 1) + firstNonNull(#{fbfJHSPpUQD}, 0) + greatest(1, 2, 3)"
      " + least(1) + log(8, 2) + log(8) + log10(100) + removeZeros(0) + normDistCum(1, 0, 1)"
      " + normDistDen(1, 0, 1) + if(contains('a,b', 'a') && containsItems('a,b', 'b'), 1, 0)"
      " + if(isNotNull(C{Gfd3ppDfq8E}), 1, 0) + subExpression(#{fbfJHSPpUQD} * 2)");
  Parse("if(orgUnit.ancestor(ImspTQPwCqd, O6uvpzGd5pu) && orgUnit.group(CXw2yu5fodb), 1, 0)",
        kValidation);
  Parse("if(orgUnit.dataSet(BfMAe6Itzgt) || orgUnit.program(IpHINAT79UW), 1, 0)");
  Expression predictor = Parse(
      "avg(#{fbfJHSPpUQD}) + 2 * stddevPop(#{fbfJHSPpUQD}) + median(#{fbfJHSPpUQD})"
      " + percentileCont(0.5, #{fbfJHSPpUQD}) + sum(#{fbfJHSPpUQD}.minDate(2020-01-01))"
      " + #{h0xKKjijTdI}",
      kPredictor);
  ASSERT_EQ(predictor.root().children.size(), 2u);
  EXPECT_EQ(predictor.root().children[1].kind, NodeKind::kItem);  // #{h0xKKjijTdI}
  EXPECT_FALSE(predictor.root().children[1].sampled);
  EXPECT_EQ(ErrorOf("avg(#{fbfJHSPpUQD})"),
            "function avg() is not allowed in INDICATOR_EXPRESSION at character 0");
  EXPECT_EQ(ErrorOf("subExpression(#{fbfJHSPpUQD})", kValidation),
            "function subExpression() is not allowed in VALIDATION_RULE_EXPRESSION at character 0");
  EXPECT_EQ(ErrorOf("N{Uvn6LCg7dVU}", kValidation),
            "N{indicator} items are not allowed in VALIDATION_RULE_EXPRESSION at character 0");
  EXPECT_EQ(ErrorOf("abs(1)"), "unknown function or constant 'abs' at character 0");
  EXPECT_EQ(ErrorOf("if(1, 2)"), "expected more arguments: if() takes at least 3 at character 7");
  EXPECT_EQ(ErrorOf("log10(1, 2)"),
            "expected ')': log10() takes at most 1 argument(s) at character 9");
}

TEST(ExpressionParseTest, CountedAndSampledItems) {
  Expression e =
      Parse("isNull(#{fbfJHSPpUQD}) + firstNonNull(#{h0xKKjijTdI} + 1) + #{cYeuwXTCPkU}");
  const ExpressionNode& sum = e.root();
  EXPECT_FALSE(sum.children[0].children[0].children[0].counted);
  EXPECT_FALSE(sum.children[0].children[1].children[0].children[0].counted);
  EXPECT_TRUE(sum.children[1].counted);
  Expression p = Parse("sum(#{fbfJHSPpUQD}) + #{h0xKKjijTdI}", kPredictor);
  EXPECT_TRUE(p.root().children[0].children[0].sampled);
  EXPECT_FALSE(p.root().children[1].sampled);
}

TEST(ExpressionParseTest, NullReplacementFlag) {
  EXPECT_TRUE(Parse("#{fbfJHSPpUQD} + 1").replaces_null_result());
  EXPECT_FALSE(Parse("#{fbfJHSPpUQD} + null").replaces_null_result());
  EXPECT_FALSE(Parse("removeZeros(#{fbfJHSPpUQD})").replaces_null_result());
}

TEST(ExpressionParseTest, ErrorsPointAtTheCharacter) {
  EXPECT_EQ(ErrorOf("(#{fbfJHSPpUQD} + 1"),
            "expected ')' but the expression ended at character 19");
  EXPECT_EQ(ErrorOf("(#{fbfJHSPpUQD} + 1 2"), "expected ')' at character 20");
  EXPECT_EQ(ErrorOf("1 +"), "expected a value but the expression ended at character 3");
  // Found by the fuzzer: a literal that overflows a double has no normal form to print.
  EXPECT_EQ(ErrorOf("1 + 2e2022"), "number 2e2022 is too large at character 4");
  EXPECT_EQ(ErrorOf("1) + 2"), "unexpected ')' without a matching '(' at character 1");
  EXPECT_EQ(ErrorOf("abc"), "unknown function or constant 'abc' at character 0");
  EXPECT_EQ(ErrorOf("#{fbfJHSPpUQ}"),
            "expected a UID of 11 letters and digits starting with a letter at character 2");
  EXPECT_EQ(ErrorOf("#{fbfJHSPpUQD.pq2XI5kz2B}"),
            "expected a category option combo UID or '*' at character 14");
  EXPECT_EQ(ErrorOf("#{fbfJHSPpUQD"),
            "expected '}' closing the item but the expression ended at character 13");
  EXPECT_EQ(ErrorOf("R{BfMAe6Itzgt.RATE}"),
            "expected a reporting rate metric (REPORTING_RATE, REPORTING_RATE_ON_TIME, "
            "ACTUAL_REPORTS, ACTUAL_REPORTS_ON_TIME, EXPECTED_REPORTS) at character 14");
  EXPECT_EQ(ErrorOf("1 <> 2"), "unexpected character '<' at character 2");
  EXPECT_EQ(ErrorOf("'open"), "unclosed string literal, expected closing ' at character 0");
  EXPECT_EQ(ErrorOf("1e"), "expected digits of the exponent at character 1");
  EXPECT_EQ(ErrorOf(""), "expected a value but the expression ended at character 0");
  EXPECT_EQ(ErrorOf("X{fbfJHSPpUQD}"), "unknown item type 'X{' at character 0");
  EXPECT_EQ(ErrorOf("#{deGroup:fbfJHSPpUQD}"),
            "tagged items such as deGroup:uid are not supported at character 2");
  // The full message carries the expression and a caret under the character.
  Result<Expression> e = ParseExpression("(1 + 2", kIndicator);
  EXPECT_EQ(e.status().message(),
            "expected ')' but the expression ended at character 6\n(1 + 2\n      ^");
}

TEST(ExpressionParseTest, PackagePlaceholdersAreReported) {
  EXPECT_EQ(ErrorOf("#{<OU_LEVEL_FACILITY_UID>}"),
            "unresolved metadata package placeholder <OU_LEVEL_FACILITY_UID> (replace it with a "
            "UID before parsing) at character 2");
  EXPECT_EQ(ErrorOf("if(orgUnit.ancestor(<OU_LEVEL_DISTRICT_UID>), 1, 0)", kValidation),
            "unresolved metadata package placeholder <OU_LEVEL_DISTRICT_UID> (replace it with a "
            "UID before parsing) at character 20");
  EXPECT_EQ(ErrorOf("#{fbfJHSPpUQD.<COC_UID>}"),
            "unresolved metadata package placeholder <COC_UID> (replace it with a UID before "
            "parsing) at character 14");
}

TEST(ExpressionParseTest, DeepNestingIsRefusedNotCrashing) {
  EXPECT_EQ(ErrorOf(std::string(100000, '(')), "expression nests too deeply at character 100");
  EXPECT_EQ(ErrorOf(std::string(100000, '-') + "1"),
            "expression nests too deeply at character 100");
  EXPECT_EQ(ErrorOf(std::string(1000, '(') + "1" + std::string(1000, ')')),
            "expression nests too deeply at character 100");
  Parse(std::string(99, '(') + "1" + std::string(99, ')'));
  std::string chain = "1";
  for (int i = 0; i < 2000; ++i) {
    chain += "+1";
  }
  EXPECT_EQ(ErrorOf(chain), "expression nests too deeply at character 999");
  std::string ok = "1";
  for (int i = 0; i < 400; ++i) {
    ok += "+1";
  }
  Parse(ok);
}

TEST(ExpressionParseTest, NormalFormParsesToTheSameNormalForm) {
  for (std::string_view text :
       {"-(2)^2", "(-(2))^2", "+(2)^2", "12/(3/2)", "-(7)%3", "2-(3+4)", "if(1<2,1,0)",
        "(#{fbfJHSPpUQD}+#{h0xKKjijTdI}).periodOffset(-1)/2", "!(1 > 2) || isNull(null)",
        "'a\\'b' == \"x\"", "- -1", "2 ^ -(1)", "(1 < 2) < 3", "1e300*1e10"}) {
    std::string once = Normal(text);
    EXPECT_EQ(Normal(once), once) << text;
  }
}

// Every indicator numerator/denominator and validation rule side in the recorded fixtures parses,
// but for one that is malformed in its origin file.
TEST(ExpressionParseTest, EveryFixtureExpressionParses) {
  std::ifstream file(std::string(DHL_SOURCE_DIR) +
                     "/tests/data/expressions/fixture_expressions.json");
  ASSERT_TRUE(file.good());
  nlohmann::json fixtures = nlohmann::json::parse(file);
  ASSERT_GE(fixtures.size(), 200u);
  int parsed = 0;
  int malformed = 0;
  for (const nlohmann::json& fixture : fixtures) {
    std::string text = fixture["expression"];
    std::optional<ExpressionMode> mode = ParseExpressionMode(fixture["mode"].get<std::string>());
    ASSERT_TRUE(mode.has_value());
    Result<Expression> expression = ParseExpression(text, *mode);
    if (fixture.contains("expected_error")) {
      // Malformed in the origin file itself (see PROVENANCE.md): must be refused, precisely.
      ++malformed;
      ASSERT_FALSE(expression.ok()) << text;
      std::string message = expression.status().message();
      EXPECT_EQ(message.substr(0, message.find('\n')),
                fixture["expected_error"].get<std::string>());
      continue;
    }
    EXPECT_TRUE(expression.ok()) << fixture.dump() << ": " << expression.status().ToString();
    if (expression.ok()) {
      ++parsed;
      EXPECT_TRUE(ParseExpression(expression->Normalised(), *mode).ok()) << text;
    }
  }
  EXPECT_EQ(malformed, 1);
  EXPECT_EQ(parsed + malformed, static_cast<int>(fixtures.size()));
}

}  // namespace
}  // namespace dhl::dhis2
