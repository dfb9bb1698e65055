#include "dhis2/program_expression.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "base/test_paths.h"

namespace dhl::dhis2 {
namespace {

ProgramExpression Parse(std::string_view text) {
  Result<ProgramExpression> expression = ParseProgramExpression(text);
  EXPECT_TRUE(expression.ok()) << text << ": " << expression.status().ToString();
  return expression.ok() ? *expression : ProgramExpression();
}

std::string Normal(std::string_view text) { return Parse(text).Normalised(); }

std::string ErrorOf(std::string_view text) {
  Result<ProgramExpression> expression = ParseProgramExpression(text);
  if (expression.ok()) {
    ADD_FAILURE() << text << " parsed";
    return "";
  }
  EXPECT_EQ(expression.status().code(), StatusCode::kInvalidArgument);
  std::string message = expression.status().message();
  return message.substr(0, message.find('\n'));
}

TEST(ProgramExpressionTest, EveryVariableOfProgramVariableItem) {
  const char* const kNames[] = {"analytics_period_end",
                                "analytics_period_start",
                                "completed_date",
                                "creation_date",
                                "current_date",
                                "due_date",
                                "enrollment_count",
                                "enrollment_date",
                                "enrollment_status",
                                "event_count",
                                "event_date",
                                "event_status",
                                "incident_date",
                                "org_unit_count",
                                "program_stage_id",
                                "program_stage_name",
                                "scheduled_date",
                                "scheduled_event_count",
                                "sync_date",
                                "tei_count",
                                "value_count",
                                "zero_pos_value_count"};
  for (const char* name : kNames) {
    std::string text = std::string("V{") + name + "}";
    ProgramExpression expression = Parse(text);
    EXPECT_EQ(expression.root().kind, ProgramNodeKind::kVariable) << text;
    EXPECT_EQ(expression.Normalised(), text);
  }
  // execution_date is event_date (ProgramVariableItem maps both to vEventDate).
  EXPECT_EQ(Normal("V{execution_date}"), "V{event_date}");
  EXPECT_EQ(ErrorOf("1 + V{event_datum}"),
            "unknown program variable V{event_datum} at character 6");
}

TEST(ProgramExpressionTest, ItemsAndTheirLists) {
  ProgramExpression expression = Parse(
      "#{ProgrmStagA.DataElmentA} + #{ProgrmStagB.DataElmentA} - A{Attribute0A} + "
      "A{Program000A.Attribute0B} * C{ConstantAAA} + #{ProgrmStagA.DataElmentA}");
  ASSERT_EQ(expression.data_elements().size(), 2u);
  EXPECT_EQ(expression.data_elements()[1].first, "ProgrmStagB");
  EXPECT_EQ(expression.data_elements()[1].second, "DataElmentA");
  EXPECT_EQ(expression.attributes(), (std::vector<std::string>{"Attribute0A", "Attribute0B"}));
  EXPECT_EQ(expression.constants(), (std::vector<std::string>{"ConstantAAA"}));
  EXPECT_EQ(expression.Normalised(),
            "#{ProgrmStagA.DataElmentA} + #{ProgrmStagB.DataElmentA} - A{Attribute0A} + "
            "A{Attribute0B} * C{ConstantAAA} + #{ProgrmStagA.DataElmentA}");
  EXPECT_EQ(Normal("PS_EVENTDATE:ProgrmStagA"), "PS_EVENTDATE:ProgrmStagA");
  EXPECT_EQ(ErrorOf("#{ProgrmStagA}"),
            "expected #{programStage.dataElement}: a program indicator reads a data element in a "
            "stage at character 2");
  EXPECT_EQ(ErrorOf("#{ProgrmStagA.Short}"),
            "expected a data element (a UID of 11 letters and digits starting with a letter) at "
            "character 14");
  EXPECT_EQ(ErrorOf("I{ProgrmIndA}"),
            "item 'I{' is not allowed in a program indicator (#{}, A{}, V{}, C{} and "
            "PS_EVENTDATE: are) at character 0");
}

TEST(ProgramExpressionTest, EveryD2Function) {
  const std::pair<const char*, const char*> kCases[] = {
      {"d2:condition('#{ProgrmStagA.DataElmentA} > 10',2,1)",
       "d2:condition('#{ProgrmStagA.DataElmentA} > 10', 2, 1)"},
      {"d2:count(#{ProgrmStagA.DataElmentA})", "d2:count(#{ProgrmStagA.DataElmentA})"},
      {"d2:countIfCondition( #{ProgrmStagA.DataElmentA}, '<11')",
       "d2:countIfCondition(#{ProgrmStagA.DataElmentA}, '< 11')"},
      {"d2:countIfValue(#{ProgrmStagA.DataElmentA}, 'Live birth')",
       "d2:countIfValue(#{ProgrmStagA.DataElmentA}, 'Live birth')"},
      {"d2:daysBetween(V{enrollment_date}, PS_EVENTDATE:ProgrmStagA)",
       "d2:daysBetween(V{enrollment_date}, PS_EVENTDATE:ProgrmStagA)"},
      {"d2:hasValue(A{Attribute0A})", "d2:hasValue(A{Attribute0A})"},
      {"d2:maxValue(PS_EVENTDATE:ProgrmStagA)", "d2:maxValue(PS_EVENTDATE:ProgrmStagA)"},
      {"d2:minutesBetween(V{event_date},V{creation_date})",
       "d2:minutesBetween(V{event_date}, V{creation_date})"},
      {"d2:minValue(#{ProgrmStagA.DataElmentA})", "d2:minValue(#{ProgrmStagA.DataElmentA})"},
      {"d2:monthsBetween(V{enrollment_date}, V{analytics_period_end})",
       "d2:monthsBetween(V{enrollment_date}, V{analytics_period_end})"},
      {"d2:oizp(#{ProgrmStagA.DataElmentA} - 11)", "d2:oizp(#{ProgrmStagA.DataElmentA} - 11)"},
      {"d2:relationshipCount()", "d2:relationshipCount()"},
      {"d2:relationshipCount(\"RelatioTypA\")", "d2:relationshipCount('RelatioTypA')"},
      {"d2:weeksBetween(V{incident_date}, V{current_date})",
       "d2:weeksBetween(V{incident_date}, V{current_date})"},
      {"d2:yearsBetween(V{enrollment_date}, V{analytics_period_start})",
       "d2:yearsBetween(V{enrollment_date}, V{analytics_period_start})"},
      {"d2:zing(#{ProgrmStagA.DataElmentA} + 5)", "d2:zing(#{ProgrmStagA.DataElmentA} + 5)"},
      {"d2:zpvc(#{ProgrmStagA.DataElmentA},#{ProgrmStagB.DataElmentB})",
       "d2:zpvc(#{ProgrmStagA.DataElmentA}, #{ProgrmStagB.DataElmentB})"},
  };
  for (const auto& [text, normal] : kCases) {
    EXPECT_EQ(Normal(text), normal) << text;
    // The normal form parses back to itself.
    EXPECT_EQ(Normal(normal), normal);
  }
  // d2:condition's test is parsed: its items are the expression's items.
  EXPECT_EQ(Parse("d2:condition('#{ProgrmStagA.DataElmentA} > A{Attribute0A}', 1, 0)")
                .attributes()
                .size(),
            1u);
}

TEST(ProgramExpressionTest, ErrorsNameTheCharacterEvenInsideStrings) {
  EXPECT_EQ(ErrorOf("d2:count(V{event_date})"),
            "expected #{programStage.dataElement} as the first argument of d2:count() at "
            "character 9");
  EXPECT_EQ(ErrorOf("d2:maxValue(A{Attribute0A})"),
            "expected #{programStage.dataElement} or PS_EVENTDATE:programStage as the first "
            "argument of d2:maxValue() at character 12");
  // An error inside d2:condition's string points into the outer text.
  EXPECT_EQ(ErrorOf("d2:condition('#{ProgrmStagA.DataElmentA} >', 1, 0)"),
            "expected a value but the expression ended at character 42");
  EXPECT_EQ(ErrorOf("d2:countIfCondition(#{ProgrmStagA.DataElmentA}, '+ 1')"),
            "expected a comparison such as '< 11' in d2:countIfCondition() at character 49");
  EXPECT_EQ(ErrorOf("d2:condition(1, 2, 3)"),
            "expected a string literal as argument 1 of d2:condition() at character 13");
  EXPECT_EQ(ErrorOf("d2:daysBetween(V{event_date})"),
            "expected more arguments: d2:daysBetween() takes at least 2 at character 28");
  EXPECT_EQ(ErrorOf("d2:ageInYears(1)"), "unknown function 'd2:ageInYears' at character 0");
  EXPECT_EQ(ErrorOf("#{ProgrmStagA.DataElmentA}.periodOffset(-1)"),
            "unknown modifier '.periodOffset' (program indicators know only .stageOffset(n)) at "
            "character 27");
}

TEST(ProgramExpressionTest, StageOffsetAppliesToTheStageElementsInside) {
  ProgramExpression expression =
      Parse("(#{ProgrmStagA.DataElmentA} + #{ProgrmStagA.DataElmentB}).stageOffset(-1)");
  ASSERT_EQ(expression.root().kind, ProgramNodeKind::kBinary);
  EXPECT_EQ(expression.root().children[0].stage_offset, -1);
  EXPECT_EQ(expression.root().children[1].stage_offset, -1);
  EXPECT_EQ(Normal("#{ProgrmStagA.DataElmentA}.stageOffset(+2)"),
            "#{ProgrmStagA.DataElmentA}.stageOffset(2)");
  EXPECT_EQ(ErrorOf("#{ProgrmStagA.DataElmentA}.stageOffset(x)"),
            "expected an integer stage offset at character 39");
}

TEST(ProgramExpressionTest, OperatorsAsInTheAggregateLanguage) {
  EXPECT_EQ(Normal("1+2*3"), "1 + 2 * 3");
  EXPECT_EQ(Normal("-2^2"), "-2 ^ 2");
  EXPECT_EQ(Normal("V{event_status} == 'ACTIVE' and not (1 > 2) or false"),
            "V{event_status} == 'ACTIVE' && !(1 > 2) || false");
  EXPECT_EQ(Normal("if(isNull(#{ProgrmStagA.DataElmentA}), 0, 1) /* note */"),
            "if(isNull(#{ProgrmStagA.DataElmentA}), 0, 1)");
}

// dhis2-core parses both languages with one grammar (Expression.g4): string escapes, comments and
// the placeholder message are the aggregate language's (expression_syntax.h).
TEST(ProgramExpressionTest, LiteralsAndPlaceholdersAsInTheAggregateLanguage) {
  ProgramExpression escaped = Parse(R"('a\u00e9\tb\\')");
  ASSERT_EQ(escaped.root().kind, ProgramNodeKind::kString);
  EXPECT_EQ(escaped.root().text, "a\xC3\xA9\tb\\");  // U+00E9 is C3 A9 in UTF-8
  // A line break inside a string stays on one line in the normal form, and parses back to itself.
  EXPECT_EQ(Normal(R"(V{event_status} == 'x\ny')"), R"(V{event_status} == 'x\ny')");
  EXPECT_EQ(Parse(R"('x\ny')").root().text, "x\ny");
  EXPECT_EQ(ErrorOf("#{<PS_UID>.DataElmentA} + 1"),
            "unresolved metadata package placeholder <PS_UID> (replace it with a UID before "
            "parsing) at character 2");
  EXPECT_EQ(ErrorOf("'a\\u12'"), "expected 4 hexadecimal digits at character 4");
}

// dhis2-core's own program indicator test expressions (tests/data/program_indicators): each parses,
// or is refused with the error at the character its fixture names.
TEST(ProgramExpressionTest, Dhis2CoreTestExpressions) {
  std::ifstream file(std::string(DHL_SOURCE_DIR) +
                     "/tests/data/program_indicators/dhis2_core_expressions.json");
  ASSERT_TRUE(file.good());
  std::stringstream buffer;
  buffer << file.rdbuf();
  nlohmann::json fixtures = nlohmann::json::parse(buffer.str());
  int parsed = 0;
  int refused = 0;
  for (const auto& fixture : fixtures) {
    std::string text = fixture.at("expression").get<std::string>();
    if (fixture.contains("expected_error")) {
      EXPECT_EQ(ErrorOf(text), fixture["expected_error"].get<std::string>()) << text;
      ++refused;
      continue;
    }
    ProgramExpression expression = Parse(text);
    EXPECT_EQ(Normal(expression.Normalised()), expression.Normalised()) << text;
    ++parsed;
  }
  EXPECT_EQ(parsed, 62);
  EXPECT_EQ(refused, 6);
}

}  // namespace
}  // namespace dhl::dhis2
