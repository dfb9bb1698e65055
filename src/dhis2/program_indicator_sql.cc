#include "dhis2/program_indicator_sql.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/hash.h"
#include "sql/date_arithmetic.h"
#include "sql/literal.h"

namespace dhl::dhis2 {
namespace {

enum class Kind { kNumber, kText, kDate, kBoolean, kNull };

// A compiled operand: its SQL, what it holds, and for items the raw text column (compared with
// string literals) and the hashed attribute it reads, if any.
struct Typed {
  std::string sql;
  Kind kind = Kind::kNumber;
  std::string text_sql;
  std::string hashed_attribute;
  bool string_literal = false;
  std::string literal_text;
};

// An aggregate over the events of an enrollment (within the event-date boundaries), one row per
// (enrollment, period), joined to the rows as `a<index>`.
struct EventAggregate {
  std::string key;   // identity, so that an aggregate used twice is computed once
  std::string body;  // the CTE's SELECT
};

int MonthsPerPeriod(PeriodType type) {
  switch (type) {
    case PeriodType::kMonthly:
      return 1;
    case PeriodType::kBiMonthly:
      return 2;
    case PeriodType::kQuarterly:
    case PeriodType::kQuarterlyNov:
      return 3;
    case PeriodType::kSixMonthly:
    case PeriodType::kSixMonthlyApril:
    case PeriodType::kSixMonthlyNov:
      return 6;
    case PeriodType::kDaily:
    case PeriodType::kWeekly:
    case PeriodType::kWeeklyWednesday:
    case PeriodType::kWeeklyThursday:
    case PeriodType::kWeeklyFriday:
    case PeriodType::kWeeklySaturday:
    case PeriodType::kWeeklySunday:
    case PeriodType::kBiWeekly:
      return 0;
    default:
      return 12;  // yearly and financial years
  }
}

int DaysPerPeriod(PeriodType type) {
  if (type == PeriodType::kDaily) {
    return 1;
  }
  return type == PeriodType::kBiWeekly ? 14 : 7;
}

class Compiler {
 public:
  Compiler(const ProgramIndicator& indicator, const ProgramIndicatorRelations& relations,
           const ProgramIndicatorSqlOptions& options)
      : pi_(indicator),
        relations_(relations),
        options_(options),
        dialect_(options.dialect),
        event_type_(indicator.analytics_type == AnalyticsType::kEvent) {}

  Result<std::string> Run();

 private:
  // --- text helpers
  std::string Q(std::string_view name) const { return sql::QuoteName(name, dialect_); }
  std::string Lit(std::string_view text) const { return sql::StringLiteral(text, dialect_); }
  Status Error(size_t position, std::string_view what, bool unsupported = false) const {
    std::string message = fmt::format("program indicator {} ({}): {} at character {}", pi_.uid,
                                      part_, what, position);
    return unsupported ? Unsupported(message) : InvalidArgument(message);
  }

  // --- rows, boundaries, aggregates
  int PivotIndex(std::vector<std::string>& list, const std::string& uid) {
    auto found = std::find(list.begin(), list.end(), uid);
    if (found != list.end()) {
      return static_cast<int>(found - list.begin());
    }
    list.push_back(uid);
    return static_cast<int>(list.size()) - 1;
  }
  std::string BoundaryDate(const PeriodBoundary& boundary, const std::string& alias) const;
  Result<std::string> RowTarget(const PeriodBoundary& boundary);
  std::string EventBoundaryConditions(const std::string& event_alias,
                                      const std::string& period_alias) const;
  std::string EventOrderColumn() const;
  std::string AddAggregate(const std::string& key, const std::string& body);
  std::string AggregateBase() const;
  std::string LatestValue(const ProgramNode& node);
  std::string StageDate(const std::string& stage, const std::string& function);
  std::string LatestEventColumn(const std::string& column);
  std::string EventCount(const std::string& statuses);
  std::string RelationshipCount(const std::string& type);

  // --- expressions
  Result<Typed> Compile(const ProgramNode& node, bool allow_nulls);
  Result<Typed> CompileItem(const ProgramNode& node, bool allow_nulls);
  Result<Typed> CompileVariable(const ProgramNode& node, bool allow_nulls);
  Result<Typed> CompileBinary(const ProgramNode& node, bool allow_nulls);
  Result<Typed> CompileFunction(const ProgramNode& node, bool allow_nulls);
  Result<Typed> CompileCountFunction(const ProgramNode& node);
  Result<std::string> ToNumber(const Typed& value, size_t position);
  Result<std::string> ToBoolean(const Typed& value, size_t position);
  Result<std::string> ToDate(const Typed& value, size_t position);
  Result<std::string> ValueCount(bool zero_or_positive);
  Result<std::string> OrgUnitSql();
  Result<std::string> AggregateSql(const std::string& value) const;
  // FIRST/LAST of an event indicator: the direction (with PostgreSQL's NULL placement) in which
  // the rows of an org unit and period are ranked by event date, the first-ranked alone counting
  // (dhis2-core FirstOrLastValueSubqueryRenderer); empty for the other aggregation types.
  std::string PeriodRankOrder() const;

  const ProgramIndicator& pi_;
  const ProgramIndicatorRelations& relations_;
  const ProgramIndicatorSqlOptions& options_;
  sql::Dialect dialect_;
  bool event_type_;
  std::string part_ = "expression";
  std::vector<std::string> event_pivot_;      // data elements pivoted onto event rows
  std::vector<std::string> attribute_pivot_;  // attributes pivoted onto rows
  std::vector<std::pair<std::string, std::string>> cohort_columns_;  // join SQL, column alias
  std::vector<EventAggregate> aggregates_;
  std::vector<std::string> relationship_types_;                         // "" = any type
  std::vector<std::pair<std::string, std::string>> value_count_items_;  // stage/de or attribute
};

std::string Compiler::BoundaryDate(const PeriodBoundary& boundary, const std::string& alias) const {
  std::string date =
      boundary.at_start() ? alias + ".start_date" : sql::AddDays(alias + ".end_date", 1, dialect_);
  if (boundary.offset_period_type && boundary.offset_periods != 0) {
    int months = MonthsPerPeriod(*boundary.offset_period_type);
    date = months > 0
               ? sql::AddMonths(date, months * boundary.offset_periods, dialect_)
               : sql::AddDays(date,
                              DaysPerPeriod(*boundary.offset_period_type) * boundary.offset_periods,
                              dialect_);
  }
  return date;
}

Result<std::string> Compiler::RowTarget(const PeriodBoundary& boundary) {
  const std::string& target = boundary.target;
  if (target == "EVENT_DATE") {
    return std::string("r.occurred_at");
  }
  if (target == "SCHEDULED_DATE") {
    return std::string("r.scheduled_at");
  }
  if (target == "ENROLLMENT_DATE") {
    return std::string("r.enrolled_at");
  }
  if (target == "INCIDENT_DATE") {
    return std::string("r.incident_at");
  }
  std::string alias = "c" + std::to_string(cohort_columns_.size());
  if (target.rfind("PS_EVENTDATE:", 0) == 0) {
    std::string stage = target.substr(13);
    cohort_columns_.push_back(
        {fmt::format("LEFT JOIN (SELECT enrollment, max(occurred_at) AS value FROM pi_events WHERE "
                     "program_stage = {} GROUP BY enrollment) AS {} ON {}.enrollment = {}",
                     Lit(stage), alias, alias, event_type_ ? "ev.enrollment" : "en.enrollment"),
         alias});
    return "r." + alias;
  }
  Result<ProgramExpression> item = ParseProgramExpression(target);
  if (item.ok() && item->root().kind == ProgramNodeKind::kDataElement) {
    const ProgramNode& node = item->root();
    cohort_columns_.push_back(
        {fmt::format("LEFT JOIN (SELECT e.enrollment, max_by(v.value_text, e.occurred_at) AS value "
                     "FROM pi_events AS e JOIN {} AS v ON v.event = e.event AND v.de = {} WHERE "
                     "e.program_stage = {} AND v.value_text IS NOT NULL GROUP BY e.enrollment) AS "
                     "{} ON {}.enrollment = {}",
                     relations_.event_values, Lit(node.uid1), Lit(node.uid0), alias, alias,
                     event_type_ ? "ev.enrollment" : "en.enrollment"),
         alias});
    return "TRY_CAST(r." + alias + " AS DATE)";
  }
  if (item.ok() && item->root().kind == ProgramNodeKind::kAttribute) {
    int index = PivotIndex(attribute_pivot_, item->root().uid0);
    return "TRY_CAST(r.pa_" + std::to_string(index) + " AS DATE)";
  }
  return InvalidArgument(fmt::format(
      "program indicator {}: analytics period boundary target \"{}\" is none of EVENT_DATE, "
      "ENROLLMENT_DATE, INCIDENT_DATE, SCHEDULED_DATE, PS_EVENTDATE:<stage>, "
      "#{{stage.dataElement}}, "
      "A{{attribute}}",
      pi_.uid, target));
}

std::string Compiler::EventBoundaryConditions(const std::string& event_alias,
                                              const std::string& period_alias) const {
  std::string conditions;
  for (const PeriodBoundary& boundary : pi_.boundaries) {
    if (!boundary.is_event_date()) {
      continue;
    }
    std::string column =
        event_alias + (boundary.target == "EVENT_DATE" ? ".occurred_at" : ".scheduled_at");
    conditions += fmt::format(" AND {} {} {}", column, boundary.is_after() ? ">=" : "<",
                              BoundaryDate(boundary, period_alias));
  }
  return conditions;
}

std::string Compiler::EventOrderColumn() const {
  for (const PeriodBoundary& boundary : pi_.boundaries) {
    if (boundary.is_event_date() && !boundary.is_after()) {
      return boundary.target == "SCHEDULED_DATE" ? "scheduled_at" : "occurred_at";
    }
  }
  return "occurred_at";
}

std::string Compiler::AddAggregate(const std::string& key, const std::string& body) {
  for (size_t i = 0; i < aggregates_.size(); ++i) {
    if (aggregates_[i].key == key) {
      return "a" + std::to_string(i);
    }
  }
  aggregates_.push_back({key, body});
  return "a" + std::to_string(aggregates_.size() - 1);
}

// The (enrollment, period) pairs of the rows joined to their events within the event boundaries.
std::string Compiler::AggregateBase() const {
  return "(SELECT DISTINCT enrollment, pe, start_date, end_date FROM pi_in_period) AS r JOIN "
         "pi_events AS e ON e.enrollment = r.enrollment" +
         EventBoundaryConditions("e", "r");
}

std::string Compiler::LatestValue(const ProgramNode& node) {
  int offset = node.stage_offset.value_or(0);
  int position = offset <= 0 ? 1 - offset : offset;
  std::string direction = offset <= 0 ? "DESC" : "ASC";
  std::string key = fmt::format("latest/{}/{}/{}", node.uid0, node.uid1, offset);
  std::string body = fmt::format(
      "SELECT enrollment, pe, value, value_text FROM (SELECT r.enrollment, r.pe, v.value, "
      "v.value_text, row_number() OVER (PARTITION BY r.enrollment, r.pe ORDER BY e.{} {}, e.event "
      "{}) AS position FROM {} JOIN {} AS v ON v.event = e.event AND v.de = {} WHERE "
      "e.program_stage = {} AND v.value_text IS NOT NULL) AS ranked WHERE position = {}",
      EventOrderColumn(), direction, direction, AggregateBase(), relations_.event_values,
      Lit(node.uid1), Lit(node.uid0), position);
  return AddAggregate(key, body);
}

std::string Compiler::StageDate(const std::string& stage, const std::string& function) {
  return AddAggregate(
      "stage_date/" + stage + "/" + function,
      fmt::format("SELECT r.enrollment, r.pe, {}(e.occurred_at) AS value FROM {} WHERE "
                  "e.program_stage = {} GROUP BY r.enrollment, r.pe",
                  function, AggregateBase(), Lit(stage)));
}

std::string Compiler::LatestEventColumn(const std::string& column) {
  return AddAggregate(
      "latest_event/" + column,
      fmt::format("SELECT r.enrollment, r.pe, max_by(e.{}, e.{}) AS value FROM {} GROUP BY "
                  "r.enrollment, r.pe",
                  column, EventOrderColumn(), AggregateBase()));
}

std::string Compiler::EventCount(const std::string& statuses) {
  return AddAggregate("event_count/" + statuses,
                      fmt::format("SELECT r.enrollment, r.pe, count(*) AS value FROM {} WHERE "
                                  "e.status IN ({}) GROUP BY r.enrollment, r.pe",
                                  AggregateBase(), statuses));
}

std::string Compiler::RelationshipCount(const std::string& type) {
  auto found = std::find(relationship_types_.begin(), relationship_types_.end(), type);
  size_t index = static_cast<size_t>(found - relationship_types_.begin());
  if (found == relationship_types_.end()) {
    relationship_types_.push_back(type);
  }
  return "rl" + std::to_string(index);
}

// --- expressions

Result<std::string> Compiler::ToNumber(const Typed& value, size_t position) {
  switch (value.kind) {
    case Kind::kNumber:
      return value.sql;
    case Kind::kNull:
      return sql::NullLiteral();
    case Kind::kBoolean:
      return sql::CaseWhenNullAware(value.sql, "1e0", "0e0", dialect_);
    case Kind::kText:
      if (!value.hashed_attribute.empty()) {
        return Error(position,
                     "attribute " + value.hashed_attribute +
                         " is stored hashed (personal data): only == and != against a literal "
                         "can be computed",
                     true);
      }
      return "TRY_CAST(" + value.sql + " AS DOUBLE)";
    case Kind::kDate:
      break;
  }
  return Error(position, "a date used as a number", true);
}

Result<std::string> Compiler::ToBoolean(const Typed& value, size_t position) {
  switch (value.kind) {
    case Kind::kBoolean:
      return value.sql;
    case Kind::kNumber:
      return "(" + value.sql + " <> 0)";
    case Kind::kNull:
      return std::string("CAST(NULL AS BOOLEAN)");
    default:
      break;
  }
  return Error(position, "a text or date value used as a condition");
}

Result<std::string> Compiler::ToDate(const Typed& value, size_t position) {
  if (!value.text_sql.empty() && value.kind != Kind::kDate) {
    // A data element or attribute read as a date: its value as written (a DATE value type).
    return "TRY_CAST(" + value.text_sql + " AS DATE)";
  }
  switch (value.kind) {
    case Kind::kDate:
      return value.sql;
    case Kind::kNull:
      return std::string("CAST(NULL AS DATE)");
    case Kind::kText:
      return "TRY_CAST(" + value.sql + " AS DATE)";
    default:
      break;
  }
  return Error(position, "a number used as a date");
}

Result<Typed> Compiler::CompileItem(const ProgramNode& node, bool allow_nulls) {
  ProgramValueKind kind = ProgramValueKind::kNumber;
  std::string uid = node.kind == ProgramNodeKind::kDataElement ? node.uid1 : node.uid0;
  if (options_.value_kind) {
    kind = options_.value_kind(uid);
  }
  std::string number_sql, text_sql;
  Typed out;
  if (node.kind == ProgramNodeKind::kDataElement) {
    if (node.stage_offset && options_.stage_is_repeatable &&
        !options_.stage_is_repeatable(node.uid0)) {
      return Error(node.position, "E2039: stage offset is allowed only for repeatable stages (" +
                                      node.uid0 + " is not repeatable)");
    }
    value_count_items_.push_back({node.uid0, node.uid1});
    if (event_type_) {
      // The event's own value, when the event is of the stage (DefaultStatementBuilder).
      int index = PivotIndex(event_pivot_, node.uid1);
      std::string when = "CASE WHEN r.program_stage = " + Lit(node.uid0) + " THEN ";
      number_sql = when + "r.pv_" + std::to_string(index) + " END";
      text_sql = when + "r.pt_" + std::to_string(index) + " END";
    } else {
      std::string alias = LatestValue(node);
      number_sql = alias + ".value";
      text_sql = alias + ".value_text";
    }
  } else {  // attribute
    value_count_items_.push_back({"", node.uid0});
    int index = PivotIndex(attribute_pivot_, node.uid0);
    text_sql = "r.pa_" + std::to_string(index);
    number_sql = "TRY_CAST(" + text_sql + " AS DOUBLE)";
    if (options_.hashed_attributes.count(node.uid0) > 0) {
      out.hashed_attribute = node.uid0;
      kind = ProgramValueKind::kText;
    }
  }
  out.text_sql = text_sql;
  switch (kind) {
    case ProgramValueKind::kText:
      out.sql = text_sql;
      out.kind = Kind::kText;
      break;
    case ProgramValueKind::kDate:
      out.sql = "TRY_CAST(" + text_sql + " AS DATE)";
      out.kind = Kind::kDate;
      break;
    case ProgramValueKind::kNumber:
    case ProgramValueKind::kBoolean:
      // Missing numbers count as 0 where DHIS2 replaces nulls (ProgramItemStageElement).
      out.sql = allow_nulls ? number_sql : "COALESCE(" + number_sql + ", 0e0)";
      out.kind = Kind::kNumber;
      break;
  }
  return out;
}

Result<Typed> Compiler::CompileVariable(const ProgramNode& node, bool allow_nulls) {
  Typed out;
  auto column = [&](const char* sql, Kind kind) {
    out.sql = sql;
    out.kind = kind;
    return out;
  };
  auto latest = [&](const char* event_column, Kind kind) {
    out.sql = LatestEventColumn(event_column) + ".value";
    out.kind = kind;
    return out;
  };
  switch (node.variable) {
    case ProgramVariable::kAnalyticsPeriodEnd:
      return column("r.end_date", Kind::kDate);
    case ProgramVariable::kAnalyticsPeriodStart:
      return column("r.start_date", Kind::kDate);
    case ProgramVariable::kCurrentDate:
      return column("CURRENT_DATE", Kind::kDate);
    case ProgramVariable::kCompletedDate:
      return column("r.completed_at", Kind::kDate);
    case ProgramVariable::kEnrollmentDate:
      return column("r.enrolled_at", Kind::kDate);
    case ProgramVariable::kIncidentDate:
      return column("r.incident_at", Kind::kDate);
    case ProgramVariable::kEnrollmentStatus:
      return column("r.enrollment_status", Kind::kText);
    case ProgramVariable::kSyncDate:
      return column("r.updated_at", Kind::kDate);
    case ProgramVariable::kCreationDate:
      return event_type_ ? column("r.created_at", Kind::kDate) : latest("created_at", Kind::kDate);
    case ProgramVariable::kDueDate:
    case ProgramVariable::kScheduledDate:
      return event_type_ ? column("r.scheduled_at", Kind::kDate)
                         : latest("scheduled_at", Kind::kDate);
    case ProgramVariable::kEventDate:
      return event_type_ ? column("r.occurred_at", Kind::kDate)
                         : latest("occurred_at", Kind::kDate);
    case ProgramVariable::kEventStatus:
      return event_type_ ? column("r.status", Kind::kText) : latest("status", Kind::kText);
    case ProgramVariable::kProgramStageId:
      return event_type_ ? column("r.program_stage", Kind::kText) : column("''", Kind::kText);
    case ProgramVariable::kProgramStageName:
      return event_type_ ? column("r.program_stage_name", Kind::kText) : column("''", Kind::kText);
    case ProgramVariable::kEventCount:
    case ProgramVariable::kScheduledEventCount: {
      bool scheduled = node.variable == ProgramVariable::kScheduledEventCount;
      std::string statuses = scheduled ? "'SCHEDULE'" : "'ACTIVE', 'COMPLETED'";
      if (event_type_) {
        out.sql = "CASE WHEN r.status IN (" + statuses + ") THEN 1e0 END";
      } else {
        std::string alias = EventCount(statuses);
        out.sql = allow_nulls ? alias + ".value" : "COALESCE(" + alias + ".value, 0)";
      }
      out.kind = Kind::kNumber;
      return out;
    }
    case ProgramVariable::kEnrollmentCount:
      if (event_type_) {
        break;  // a distinct count: handled at the root
      }
      return column("1e0", Kind::kNumber);
    case ProgramVariable::kTeiCount:
    case ProgramVariable::kOrgUnitCount:
      break;
    case ProgramVariable::kValueCount:
    case ProgramVariable::kZeroPosValueCount: {
      DHL_ASSIGN_OR_RETURN(out.sql,
                           ValueCount(node.variable == ProgramVariable::kZeroPosValueCount));
      out.kind = Kind::kNumber;
      return out;
    }
  }
  return Error(node.position,
               "V{" + std::string(ProgramVariableName(node.variable)) +
                   "} is a distinct count: it can only be the whole expression",
               true);
}

// V{value_count} / V{zero_pos_value_count}: how many of the indicator's data elements and
// attributes have a value (a value >= 0), NULL for none (vValueCount).
Result<std::string> Compiler::ValueCount(bool zero_or_positive) {
  std::vector<std::pair<std::string, std::string>> items;
  for (const std::string* text : {&pi_.expression, &pi_.filter}) {
    Result<ProgramExpression> parsed = ParseProgramExpression(*text);
    if (!parsed.ok()) {
      continue;
    }
    for (const auto& item : parsed->data_elements()) {
      items.push_back(item);
    }
    for (const std::string& attribute : parsed->attributes()) {
      items.push_back({"", attribute});
    }
  }
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  if (items.empty()) {
    return std::string("0e0");
  }
  std::string sum;
  for (const auto& [stage, uid] : items) {
    ProgramNode node;
    node.kind = stage.empty() ? ProgramNodeKind::kAttribute : ProgramNodeKind::kDataElement;
    node.uid0 = stage.empty() ? uid : stage;
    node.uid1 = stage.empty() ? "" : uid;
    DHL_ASSIGN_OR_RETURN(Typed value, CompileItem(node, true));
    std::string test = zero_or_positive ? "TRY_CAST(" + value.text_sql + " AS DOUBLE) >= 0"
                                        : value.text_sql + " IS NOT NULL";
    sum += (sum.empty() ? "" : " + ") + ("CASE WHEN " + test + " THEN 1 ELSE 0 END");
  }
  return "NULLIF(CAST((" + sum + ") AS DOUBLE), 0)";
}

Result<Typed> Compiler::CompileBinary(const ProgramNode& node, bool allow_nulls) {
  BinaryOperator op = node.binary_operator;
  bool logical = op == BinaryOperator::kAnd || op == BinaryOperator::kOr;
  bool comparison = op >= BinaryOperator::kLess && op <= BinaryOperator::kNotEqual;
  DHL_ASSIGN_OR_RETURN(Typed left, Compile(node.children[0], allow_nulls));
  DHL_ASSIGN_OR_RETURN(Typed right, Compile(node.children[1], allow_nulls));
  Typed out;
  if (logical) {
    DHL_ASSIGN_OR_RETURN(std::string a, ToBoolean(left, node.children[0].position));
    DHL_ASSIGN_OR_RETURN(std::string b, ToBoolean(right, node.children[1].position));
    out.sql = "(" + a + (op == BinaryOperator::kAnd ? " AND " : " OR ") + b + ")";
    out.kind = Kind::kBoolean;
    return out;
  }
  if (comparison) {
    std::string symbol = op == BinaryOperator::kEqual      ? "="
                         : op == BinaryOperator::kNotEqual ? "<>"
                                                           : std::string(BinaryOperatorSymbol(op));
    // A hashed attribute compares with the hash of a literal (same key as the extraction).
    for (Typed* side : {&left, &right}) {
      Typed* other = side == &left ? &right : &left;
      size_t side_position = node.children[side == &left ? 0 : 1].position;
      if (side->hashed_attribute.empty()) {
        continue;
      }
      bool equality = op == BinaryOperator::kEqual || op == BinaryOperator::kNotEqual;
      if (!equality || !(other->string_literal || other->kind == Kind::kNumber) ||
          (!other->string_literal && other->sql.find("r.") != std::string::npos)) {
        return Error(side_position,
                     "attribute " + side->hashed_attribute +
                         " is stored hashed (personal data): only == and != against a literal "
                         "can be computed",
                     true);
      }
      if (options_.hash_key.empty()) {
        return Error(side_position,
                     "attribute " + side->hashed_attribute +
                         " is stored hashed and no hashing key was given",
                     true);
      }
      std::string literal =
          other->string_literal ? other->literal_text : other->sql;  // numbers as written
      out.sql = "(" + side->sql + " " + symbol + " " +
                Lit(HmacSha256Hex(options_.hash_key, literal)) + ")";
      out.kind = Kind::kBoolean;
      return out;
    }
    std::string a, b;
    if (left.kind == Kind::kDate || right.kind == Kind::kDate) {
      DHL_ASSIGN_OR_RETURN(a, ToDate(left, node.children[0].position));
      DHL_ASSIGN_OR_RETURN(b, ToDate(right, node.children[1].position));
      a = "CAST(" + a + " AS DATE)";
      b = "CAST(" + b + " AS DATE)";
    } else if (left.string_literal || right.string_literal) {
      // An item meets a string: compare the item's value as text ('Ongoing', 'Live birth').
      a = left.text_sql.empty() ? left.sql : left.text_sql;
      b = right.text_sql.empty() ? right.sql : right.text_sql;
      if (left.kind == Kind::kNumber && left.text_sql.empty()) {
        a = "CAST(" + a + " AS STRING)";
      }
      if (right.kind == Kind::kNumber && right.text_sql.empty()) {
        b = "CAST(" + b + " AS STRING)";
      }
    } else if (left.kind == Kind::kText && right.kind == Kind::kText) {
      a = left.sql;
      b = right.sql;
    } else if (left.kind == Kind::kBoolean && right.kind == Kind::kBoolean) {
      a = left.sql;
      b = right.sql;
    } else {
      DHL_ASSIGN_OR_RETURN(a, ToNumber(left, node.children[0].position));
      DHL_ASSIGN_OR_RETURN(b, ToNumber(right, node.children[1].position));
    }
    out.sql = "(" + a + " " + symbol + " " + b + ")";
    out.kind = Kind::kBoolean;
    return out;
  }
  DHL_ASSIGN_OR_RETURN(std::string a, ToNumber(left, node.children[0].position));
  DHL_ASSIGN_OR_RETURN(std::string b, ToNumber(right, node.children[1].position));
  switch (op) {
    case BinaryOperator::kPower:
      out.sql = sql::Power(a, b, dialect_);
      break;
    case BinaryOperator::kMultiply:
      out.sql = "(" + a + " * " + b + ")";
      break;
    case BinaryOperator::kDivide:
      out.sql = sql::SafeDivide(a, b, dialect_);
      break;
    case BinaryOperator::kModulo:
      out.sql = sql::SafeModulo(a, b, dialect_);
      break;
    case BinaryOperator::kAdd:
      out.sql = "(" + a + " + " + b + ")";
      break;
    default:
      out.sql = "(" + a + " - " + b + ")";
      break;
  }
  out.kind = Kind::kNumber;
  return out;
}

// d2:count, d2:countIfValue, d2:countIfCondition: the events of the enrollment (within the event
// boundaries) of the stage with a value for the data element, and the value matching
// (ProgramCountFunction and its subclasses).
Result<Typed> Compiler::CompileCountFunction(const ProgramNode& node) {
  const ProgramNode& item = node.children[0];
  std::string condition;
  std::string key = fmt::format("count/{}/{}", item.uid0, item.uid1);
  if (node.function != ProgramFunction::kCount) {
    const ProgramNode& operand = node.function == ProgramFunction::kCountIfValue
                                     ? node.children[1]
                                     : node.children[1].children[1];
    std::string symbol = "=";
    if (node.function == ProgramFunction::kCountIfCondition) {
      BinaryOperator op = node.children[1].binary_operator;
      symbol = op == BinaryOperator::kEqual      ? "="
               : op == BinaryOperator::kNotEqual ? "<>"
                                                 : std::string(BinaryOperatorSymbol(op));
    }
    if (operand.kind == ProgramNodeKind::kString) {
      condition = " AND v.value_text " + symbol + " " + Lit(operand.text);
    } else if (operand.kind == ProgramNodeKind::kNumber) {
      condition = " AND v.value " + symbol + " " + sql::NumberLiteral(operand.number);
    } else if (operand.kind == ProgramNodeKind::kUnary &&
               operand.unary_operator == UnaryOperator::kMinus &&
               operand.children[0].kind == ProgramNodeKind::kNumber) {
      condition = " AND v.value " + symbol + " " + sql::NumberLiteral(-operand.children[0].number);
    } else {
      return Error(operand.position,
                   std::string(ProgramFunctionName(node.function)) +
                       "() compares with a literal only (a number or a string) here",
                   true);
    }
    key += "/" + condition;
  }
  std::string alias = AddAggregate(
      key, fmt::format("SELECT r.enrollment, r.pe, count(*) AS value FROM {} JOIN {} AS v ON "
                       "v.event = e.event AND v.de = {} WHERE e.program_stage = {} AND "
                       "v.value_text IS NOT NULL{} GROUP BY r.enrollment, r.pe",
                       AggregateBase(), relations_.event_values, Lit(item.uid1), Lit(item.uid0),
                       condition));
  Typed out;
  out.sql = "COALESCE(" + alias + ".value, 0)";
  out.kind = Kind::kNumber;
  return out;
}

Result<Typed> Compiler::CompileFunction(const ProgramNode& node, bool allow_nulls) {
  const std::vector<ProgramNode>& arguments = node.children;
  Typed out;
  out.kind = Kind::kNumber;
  auto numbers = [&](bool nulls) -> Result<std::vector<std::string>> {
    std::vector<std::string> values;
    for (const ProgramNode& argument : arguments) {
      DHL_ASSIGN_OR_RETURN(Typed value, Compile(argument, nulls));
      DHL_ASSIGN_OR_RETURN(std::string number, ToNumber(value, argument.position));
      values.push_back(std::move(number));
    }
    return values;
  };
  auto dates = [&]() -> Result<std::pair<std::string, std::string>> {
    DHL_ASSIGN_OR_RETURN(Typed start, Compile(arguments[0], true));
    DHL_ASSIGN_OR_RETURN(Typed end, Compile(arguments[1], true));
    DHL_ASSIGN_OR_RETURN(std::string a, ToDate(start, arguments[0].position));
    DHL_ASSIGN_OR_RETURN(std::string b, ToDate(end, arguments[1].position));
    return std::make_pair(a, b);
  };
  // Whole months from a to b as PostgreSQL's age() counts them (negative when b is earlier).
  auto months_between = [](const std::string& a, const std::string& b) {
    auto forward = [](const std::string& from, const std::string& to) {
      return fmt::format(
          "((year({1}) - year({0})) * 12 + month({1}) - month({0}) - CASE WHEN day({1}) < "
          "day({0}) THEN 1 ELSE 0 END)",
          from, to);
    };
    std::string da = "CAST(" + a + " AS DATE)";
    std::string db = "CAST(" + b + " AS DATE)";
    return fmt::format("(CASE WHEN {1} >= {0} THEN {2} ELSE -{3} END)", da, db, forward(da, db),
                       forward(db, da));
  };
  auto truncate = [](const std::string& value, int divisor) {
    return fmt::format(
        "(CASE WHEN {0} >= 0 THEN floor({0} / {1}e0) ELSE -floor(-({0}) / {1}e0) END)", value,
        divisor);
  };
  switch (node.function) {
    case ProgramFunction::kIf: {
      DHL_ASSIGN_OR_RETURN(Typed test, Compile(arguments[0], allow_nulls));
      DHL_ASSIGN_OR_RETURN(std::string condition, ToBoolean(test, arguments[0].position));
      DHL_ASSIGN_OR_RETURN(Typed a, Compile(arguments[1], allow_nulls));
      DHL_ASSIGN_OR_RETURN(Typed b, Compile(arguments[2], allow_nulls));
      if (a.kind == Kind::kText && (b.kind == Kind::kText || b.kind == Kind::kNull)) {
        out.kind = Kind::kText;
        out.sql = sql::CaseWhen(condition, a.sql, b.sql, dialect_);
        return out;
      }
      DHL_ASSIGN_OR_RETURN(std::string x, ToNumber(a, arguments[1].position));
      DHL_ASSIGN_OR_RETURN(std::string y, ToNumber(b, arguments[2].position));
      out.sql = sql::CaseWhen("COALESCE(" + condition + ", FALSE)", x, y, dialect_);
      return out;
    }
    case ProgramFunction::kCondition: {
      DHL_ASSIGN_OR_RETURN(Typed test, Compile(arguments[2], false));
      DHL_ASSIGN_OR_RETURN(std::string condition, ToBoolean(test, arguments[2].position));
      DHL_ASSIGN_OR_RETURN(std::vector<std::string> values, numbers(allow_nulls));
      out.sql = sql::CaseWhen("COALESCE(" + condition + ", FALSE)", values[0], values[1], dialect_);
      return out;
    }
    case ProgramFunction::kIsNull:
    case ProgramFunction::kIsNotNull:
    case ProgramFunction::kHasValue: {
      DHL_ASSIGN_OR_RETURN(Typed value, Compile(arguments[0], true));
      std::string raw = value.text_sql.empty() ? value.sql : value.text_sql;
      out.sql =
          "(" + raw + (node.function == ProgramFunction::kIsNull ? " IS NULL)" : " IS NOT NULL)");
      out.kind = Kind::kBoolean;
      return out;
    }
    case ProgramFunction::kFirstNonNull: {
      std::vector<std::string> values;
      for (const ProgramNode& argument : arguments) {
        DHL_ASSIGN_OR_RETURN(Typed value, Compile(argument, true));
        DHL_ASSIGN_OR_RETURN(std::string number, ToNumber(value, argument.position));
        values.push_back(number);
      }
      std::string list;
      for (const std::string& value : values) {
        list += (list.empty() ? "" : ", ") + value;
      }
      out.sql = values.size() == 1 ? values[0] : "COALESCE(" + list + ")";
      return out;
    }
    case ProgramFunction::kGreatest:
    case ProgramFunction::kLeast: {
      DHL_ASSIGN_OR_RETURN(std::vector<std::string> values, numbers(allow_nulls));
      out.sql = node.function == ProgramFunction::kGreatest ? sql::Greatest(values, dialect_)
                                                            : sql::Least(values, dialect_);
      return out;
    }
    case ProgramFunction::kLog: {
      DHL_ASSIGN_OR_RETURN(std::vector<std::string> values, numbers(allow_nulls));
      out.sql = values.size() == 1 ? sql::Ln(values[0], dialect_)
                                   : sql::SafeDivide(sql::Ln(values[0], dialect_),
                                                     sql::Ln(values[1], dialect_), dialect_);
      return out;
    }
    case ProgramFunction::kLog10: {
      DHL_ASSIGN_OR_RETURN(std::vector<std::string> values, numbers(allow_nulls));
      out.sql = sql::Log10(values[0], dialect_);
      return out;
    }
    case ProgramFunction::kCount:
    case ProgramFunction::kCountIfValue:
    case ProgramFunction::kCountIfCondition:
      return CompileCountFunction(node);
    case ProgramFunction::kDaysBetween: {
      DHL_ASSIGN_OR_RETURN(auto range, dates());
      out.sql = sql::DaysBetween(range.first, range.second, dialect_);
      return out;
    }
    case ProgramFunction::kWeeksBetween: {
      DHL_ASSIGN_OR_RETURN(auto range, dates());
      out.sql = truncate(sql::DaysBetween(range.first, range.second, dialect_), 7);
      return out;
    }
    case ProgramFunction::kMonthsBetween: {
      DHL_ASSIGN_OR_RETURN(auto range, dates());
      out.sql = months_between(range.first, range.second);
      return out;
    }
    case ProgramFunction::kYearsBetween: {
      DHL_ASSIGN_OR_RETURN(auto range, dates());
      out.sql = truncate(months_between(range.first, range.second), 12);
      return out;
    }
    case ProgramFunction::kMinutesBetween: {
      DHL_ASSIGN_OR_RETURN(auto range, dates());
      out.sql = "((" + sql::EpochSeconds(range.second, dialect_) + " - " +
                sql::EpochSeconds(range.first, dialect_) + ") / 60e0)";
      return out;
    }
    case ProgramFunction::kMaxValue:
    case ProgramFunction::kMinValue: {
      const ProgramNode& item = arguments[0];
      std::string function = node.function == ProgramFunction::kMaxValue ? "max" : "min";
      if (item.kind == ProgramNodeKind::kStageEventDate) {
        if (event_type_) {
          out.sql = "r.occurred_at";
        } else {
          out.sql = StageDate(item.uid0, function) + ".value";
        }
        out.kind = Kind::kDate;
        return out;
      }
      if (event_type_) {
        return Compile(item, true);
      }
      std::string alias = AddAggregate(
          fmt::format("{}/{}/{}", function, item.uid0, item.uid1),
          fmt::format("SELECT r.enrollment, r.pe, {}(v.value) AS value FROM {} JOIN {} AS v ON "
                      "v.event = e.event AND v.de = {} WHERE e.program_stage = {} GROUP BY "
                      "r.enrollment, r.pe",
                      function, AggregateBase(), relations_.event_values, Lit(item.uid1),
                      Lit(item.uid0)));
      out.sql = alias + ".value";
      return out;
    }
    case ProgramFunction::kOizp: {
      DHL_ASSIGN_OR_RETURN(Typed value, Compile(arguments[0], true));
      DHL_ASSIGN_OR_RETURN(std::string number, ToNumber(value, arguments[0].position));
      out.sql = "(CASE WHEN " + number + " >= 0 THEN 1e0 ELSE 0e0 END)";
      return out;
    }
    case ProgramFunction::kZing: {
      DHL_ASSIGN_OR_RETURN(std::vector<std::string> values, numbers(false));
      out.sql = sql::Greatest({"0e0", values[0]}, dialect_);
      return out;
    }
    case ProgramFunction::kZpvc: {
      DHL_ASSIGN_OR_RETURN(std::vector<std::string> values, numbers(true));
      std::string sum;
      for (const std::string& value : values) {
        sum += (sum.empty() ? "" : " + ") + ("CASE WHEN " + value + " >= 0 THEN 1 ELSE 0 END");
      }
      out.sql = "NULLIF(CAST((" + sum + ") AS DOUBLE), 0)";
      return out;
    }
    case ProgramFunction::kRelationshipCount: {
      std::string type = arguments.empty() ? "" : arguments[0].text;
      out.sql = "COALESCE(" + RelationshipCount(type) + ".value, 0)";
      return out;
    }
  }
  return Error(node.position, "unknown function", true);
}

Result<Typed> Compiler::Compile(const ProgramNode& node, bool allow_nulls) {
  Typed out;
  switch (node.kind) {
    case ProgramNodeKind::kNumber:
      out.sql = sql::NumberLiteral(node.number);
      out.kind = Kind::kNumber;
      return out;
    case ProgramNodeKind::kString:
      out.sql = Lit(node.text);
      out.kind = Kind::kText;
      out.string_literal = true;
      out.literal_text = node.text;
      // A string that reads as a date is a date where one is expected ('2024-01-01').
      return out;
    case ProgramNodeKind::kBoolean:
      out.sql = sql::BooleanLiteral(node.boolean);
      out.kind = Kind::kBoolean;
      return out;
    case ProgramNodeKind::kNull:
      out.sql = "NULL";
      out.kind = Kind::kNull;
      return out;
    case ProgramNodeKind::kDataElement:
    case ProgramNodeKind::kAttribute:
      return CompileItem(node, allow_nulls);
    case ProgramNodeKind::kVariable:
      return CompileVariable(node, allow_nulls);
    case ProgramNodeKind::kConstant:
      out.sql = "(SELECT max(value) FROM " + relations_.constants +
                " WHERE uid = " + Lit(node.uid0) + ")";
      if (!allow_nulls) {
        out.sql = "COALESCE(" + out.sql + ", 0e0)";
      }
      out.kind = Kind::kNumber;
      return out;
    case ProgramNodeKind::kStageEventDate:
      // Event indicators: the event's date (ProgramItemPsEventdate); enrollments: the latest event
      // of the stage within the event boundaries.
      out.sql = event_type_ ? "r.occurred_at" : StageDate(node.uid0, "max") + ".value";
      out.kind = Kind::kDate;
      return out;
    case ProgramNodeKind::kUnary: {
      DHL_ASSIGN_OR_RETURN(Typed operand, Compile(node.children[0], allow_nulls));
      if (node.unary_operator == UnaryOperator::kNot) {
        DHL_ASSIGN_OR_RETURN(std::string condition, ToBoolean(operand, node.children[0].position));
        out.sql = "(NOT " + condition + ")";
        out.kind = Kind::kBoolean;
        return out;
      }
      DHL_ASSIGN_OR_RETURN(std::string number, ToNumber(operand, node.children[0].position));
      out.sql = node.unary_operator == UnaryOperator::kMinus ? "(- " + number + ")" : number;
      out.kind = Kind::kNumber;
      return out;
    }
    case ProgramNodeKind::kBinary:
      return CompileBinary(node, allow_nulls);
    case ProgramNodeKind::kFunction:
      return CompileFunction(node, allow_nulls);
  }
  return Error(node.position, "unknown node", true);
}

Result<std::string> Compiler::OrgUnitSql() {
  const std::string& field = pi_.org_unit_field;
  if (field.empty()) {
    return std::string("r.ou");
  }
  if (field == "ENROLLMENT") {
    return std::string("r.enrollment_ou");
  }
  if (field == "REGISTRATION" && !relations_.tracked_entities.empty()) {
    // The tracked entity's registration unit (dhis2-core's analytics_event `registrationou`:
    // trackedentity.organisationunitid).
    cohort_columns_.emplace_back(
        fmt::format("LEFT JOIN (SELECT tracked_entity, ou AS value FROM {}) AS registration_ou ON "
                    "registration_ou.tracked_entity = {}.tracked_entity",
                    relations_.tracked_entities, event_type_ ? "ev" : "en"),
        "registration_ou");
    return std::string("r.registration_ou");
  }
  if (field == "REGISTRATION" || field == "OWNER_AT_START" || field == "OWNER_AT_END") {
    return Unsupported("program indicator " + pi_.uid + ": orgUnitField " + field +
                       " needs the tracked entities' registration and ownership history, which "
                       "is not extracted");
  }
  Result<ProgramExpression> probe = ParseProgramExpression("A{" + field + "}");
  if (!probe.ok()) {
    return InvalidArgument("program indicator " + pi_.uid + ": orgUnitField \"" + field +
                           "\" is no UID, ENROLLMENT, REGISTRATION, OWNER_AT_START or "
                           "OWNER_AT_END");
  }
  // A data element (event indicators: the event's value) or an attribute holding an org unit.
  if (options_.value_kind && event_type_ &&
      options_.value_kind(field) != ProgramValueKind::kNumber) {
    int index = PivotIndex(event_pivot_, field);
    return "COALESCE(r.pt_" + std::to_string(index) + ", r.pa_" +
           std::to_string(PivotIndex(attribute_pivot_, field)) + ")";
  }
  return "r.pa_" + std::to_string(PivotIndex(attribute_pivot_, field));
}

Result<std::string> Compiler::AggregateSql(const std::string& value) const {
  switch (pi_.AggregationTypeFallback()) {
    case AggregationType::kSum:
      return "sum(" + value + ")";
    case AggregationType::kAverage:
      return "avg(" + value + ")";
    case AggregationType::kCount:
      return "CAST(count(" + value + ") AS DOUBLE)";
    case AggregationType::kMin:
      return "min(" + value + ")";
    case AggregationType::kMax:
      return "max(" + value + ")";
    case AggregationType::kStddev:
      return "stddev_samp(" + value + ")";
    case AggregationType::kVariance:
      return "var_samp(" + value + ")";
    // The org-unit part of DHIS2's (org unit, period) pair (AnalyticsAggregationType
    // .fromAggregationType): FIRST and LAST sum the units' values, the _AVERAGE_ORG_UNIT forms
    // average them; the period part (the first or last row) is PeriodRankOrder's.
    case AggregationType::kFirst:
    case AggregationType::kLast:
      return "sum(" + value + ")";
    case AggregationType::kFirstAverageOrgUnit:
    case AggregationType::kLastAverageOrgUnit:
      return "avg(" + value + ")";
    case AggregationType::kFirstFirstOrgUnit:
    case AggregationType::kLastLastOrgUnit:
      // dhis2-core renders these as first(value) / last(value) (AbstractJdbcEventAnalyticsManager
      // .getAggregateClause), aggregate functions PostgreSQL does not have: DHIS2 itself answers
      // them with an error.
      return Unsupported("program indicator " + pi_.uid + ": aggregation type " +
                         std::string(AggregationTypeName(pi_.AggregationTypeFallback())) +
                         " is not computed for program indicators (DHIS2's own analytics renders "
                         "it as an aggregate function PostgreSQL does not have)");
    default:
      break;
  }
  return Unsupported("program indicator " + pi_.uid + ": aggregation type " +
                     std::string(AggregationTypeName(pi_.AggregationTypeFallback())) +
                     " is not computed for program indicators");
}

std::string Compiler::PeriodRankOrder() const {
  if (!event_type_) {
    // dhis2-core's enrollment analytics (JdbcEnrollmentAnalyticsManager) has no first/last
    // ranking: an enrollment indicator's FIRST or LAST aggregates every enrollment in the period
    // with the org-unit part alone.
    return "";
  }
  switch (pi_.AggregationTypeFallback()) {
    case AggregationType::kFirst:
    case AggregationType::kFirstAverageOrgUnit:
      return "ASC NULLS LAST";
    case AggregationType::kLast:
    case AggregationType::kLastAverageOrgUnit:
      return "DESC NULLS FIRST";
    default:
      return "";
  }
}

Result<std::string> Compiler::Run() {
  // The expression, then the filter.
  auto parse = [this](const std::string& text, const char* part) -> Result<ProgramExpression> {
    Result<ProgramExpression> parsed = ParseProgramExpression(text);
    if (!parsed.ok()) {
      return Status(parsed.status().code(), fmt::format("program indicator {} ({}): {}", pi_.uid,
                                                        part, parsed.status().message()));
    }
    return parsed;
  };
  DHL_ASSIGN_OR_RETURN(ProgramExpression expression, parse(pi_.expression, "expression"));
  std::optional<ProgramExpression> filter;
  if (!pi_.filter.empty()) {
    DHL_ASSIGN_OR_RETURN(filter, parse(pi_.filter, "filter"));
  }
  part_ = "expression";
  const ProgramNode& root = expression.root();
  std::string value_sql;
  bool distinct = false;
  if (root.kind == ProgramNodeKind::kVariable &&
      (root.variable == ProgramVariable::kTeiCount ||
       root.variable == ProgramVariable::kOrgUnitCount ||
       (event_type_ && root.variable == ProgramVariable::kEnrollmentCount))) {
    distinct = true;
    value_sql = root.variable == ProgramVariable::kTeiCount       ? "r.tracked_entity"
                : root.variable == ProgramVariable::kOrgUnitCount ? "r.ou"
                                                                  : "r.enrollment";
  } else {
    DHL_ASSIGN_OR_RETURN(Typed value, Compile(root, false));
    DHL_ASSIGN_OR_RETURN(value_sql, ToNumber(value, root.position));
  }
  std::string filter_sql = "TRUE";
  if (filter) {
    part_ = "filter";
    DHL_ASSIGN_OR_RETURN(Typed test, Compile(filter->root(), false));
    DHL_ASSIGN_OR_RETURN(filter_sql, ToBoolean(test, filter->root().position));
    filter_sql = "COALESCE(" + filter_sql + ", FALSE)";
  }
  // Event indicators: only events holding a value for at least one of the expression's data
  // elements (the event's own, whatever the item's stage) or attributes count (dhis2-core
  // JdbcEventAnalyticsManager: getAnyValueExistsClauseAnalyticsSql with the items
  // ProgramElementsAndAttributesCollecter finds, i.e. not inside a condition string); applied with
  // the filter, after any FIRST/LAST ranking.
  if (event_type_) {
    std::vector<std::string> present;
    std::function<void(const ProgramNode&)> collect = [&](const ProgramNode& node) {
      if (node.kind == ProgramNodeKind::kDataElement) {
        int index = PivotIndex(event_pivot_, node.uid1);
        present.push_back(fmt::format("r.pt_{0} IS NOT NULL OR r.pv_{0} IS NOT NULL", index));
      } else if (node.kind == ProgramNodeKind::kAttribute) {
        present.push_back(
            fmt::format("r.pa_{} IS NOT NULL", PivotIndex(attribute_pivot_, node.uid0)));
      }
      // The parsed condition strings: d2:condition's last child, d2:countIfCondition's second.
      for (size_t i = 0; i < node.children.size(); ++i) {
        bool condition_string = node.kind == ProgramNodeKind::kFunction &&
                                ((node.function == ProgramFunction::kCondition && i == 2) ||
                                 (node.function == ProgramFunction::kCountIfCondition && i == 1));
        if (!condition_string) {
          collect(node.children[i]);
        }
      }
    };
    collect(root);
    if (!present.empty()) {
      std::sort(present.begin(), present.end());
      present.erase(std::unique(present.begin(), present.end()), present.end());
      std::string any;
      for (const std::string& test : present) {
        any += (any.empty() ? "" : " OR ") + test;
      }
      filter_sql = "(" + any + ") AND " + filter_sql;
    }
  }
  DHL_ASSIGN_OR_RETURN(std::string ou_sql, OrgUnitSql());
  std::string aggregate = distinct ? "CAST(count(DISTINCT v.value) AS DOUBLE)" : std::string();
  if (!distinct) {
    DHL_ASSIGN_OR_RETURN(aggregate, AggregateSql("v.value"));
  }

  // Row-level boundaries: all of an event indicator's; an enrollment indicator's except the
  // event-date ones. Without any, the row's own date lies in the period. Each boundary's date is
  // a column of the period rows (pi_bN), computed once per period and, against a timestamp
  // target, cast to a timestamp there: compared with the row's timestamp as it stands, the date
  // was cast per row and period (a time-zone conversion each), most of the model's time.
  std::string conditions;
  std::string bounds;
  int bound_count = 0;
  auto bound = [&](const std::string& date, bool timestamp) {
    std::string name = "pi_b" + std::to_string(bound_count++);
    std::string type = dialect_ == sql::Dialect::kSpark ? "TIMESTAMP" : "TIMESTAMPTZ";
    bounds += fmt::format(", {} AS {}",
                          timestamp ? fmt::format("CAST({} AS {})", date, type) : date, name);
    return "p." + name;
  };
  for (const PeriodBoundary& boundary : pi_.boundaries) {
    if (!event_type_ && boundary.is_event_date()) {
      continue;
    }
    DHL_ASSIGN_OR_RETURN(std::string target, RowTarget(boundary));
    // Event, scheduled, enrollment and incident dates and PS_EVENTDATE are timestamps; dates
    // read from values and attributes are DATEs (TRY_CAST).
    const bool timestamp = target.rfind("TRY_CAST(", 0) != 0;
    conditions += fmt::format("{}{} {} {}", conditions.empty() ? "" : " AND ", target,
                              boundary.is_after() ? ">=" : "<",
                              bound(BoundaryDate(boundary, "p"), timestamp));
  }
  if (conditions.empty()) {
    std::string own = event_type_ ? "r.occurred_at" : "r.enrolled_at";
    conditions = fmt::format("{} >= {} AND {} < {}", own, bound("p.start_date", true), own,
                             bound(sql::AddDays("p.end_date", 1, dialect_), true));
  }

  // pi_rows: the program's events or enrollments with what the expression reads.
  std::string pivots;
  std::string columns;
  if (!event_pivot_.empty()) {
    std::string select = "SELECT event";
    std::string list;
    for (size_t i = 0; i < event_pivot_.size(); ++i) {
      select += fmt::format(
          ", max(CASE WHEN de = {0} THEN value END) AS pv_{1}, max(CASE WHEN de = {0} THEN "
          "value_text END) AS pt_{1}",
          Lit(event_pivot_[i]), i);
      columns += fmt::format(", pv.pv_{0}, pv.pt_{0}", i);
      list += (i > 0 ? ", " : "") + Lit(event_pivot_[i]);
    }
    pivots += fmt::format(
        " LEFT JOIN ({} FROM {} WHERE de IN ({}) GROUP BY event) AS pv ON "
        "pv.event = ev.event",
        select, relations_.event_values, list);
  }
  if (!attribute_pivot_.empty()) {
    std::string select = "SELECT tracked_entity";
    std::string list;
    for (size_t i = 0; i < attribute_pivot_.size(); ++i) {
      select += fmt::format(", max(CASE WHEN attribute = {} THEN value_text END) AS pa_{}",
                            Lit(attribute_pivot_[i]), i);
      columns += fmt::format(", pa.pa_{}", i);
      list += (i > 0 ? ", " : "") + Lit(attribute_pivot_[i]);
    }
    pivots += fmt::format(
        " LEFT JOIN ({} FROM {} WHERE attribute IN ({}) GROUP BY tracked_entity) AS pa ON "
        "pa.tracked_entity = {}",
        select, relations_.attribute_values, list,
        event_type_ ? "ev.tracked_entity" : "en.tracked_entity");
  }
  for (const auto& [join, alias] : cohort_columns_) {
    pivots += " " + join;
    columns += fmt::format(", {0}.value AS {0}", alias);
  }
  std::string program = Lit(pi_.program);
  std::string with = fmt::format(
      "WITH pi_events AS (SELECT event, enrollment, tracked_entity, ou, program_stage, status, "
      "occurred_at, scheduled_at, created_at, updated_at, completed_at FROM {} WHERE program = {} "
      "AND NOT COALESCE(deleted, FALSE)), ",
      relations_.events, program);
  if (event_type_) {
    with += fmt::format(
        "pi_rows AS (SELECT ev.*, en.enrolled_at, en.occurred_at AS incident_at, en.status AS "
        "enrollment_status, en.ou AS enrollment_ou, ps.name AS program_stage_name{} FROM "
        "pi_events AS ev LEFT JOIN (SELECT * FROM {} WHERE NOT COALESCE(deleted, FALSE)) AS en ON "
        "en.enrollment = ev.enrollment LEFT JOIN {} AS ps ON ps.uid = ev.program_stage{}), ",
        columns, relations_.enrollments, relations_.program_stages, pivots);
  } else {
    with += fmt::format(
        "pi_rows AS (SELECT en.enrollment, en.tracked_entity, en.ou, en.status, en.enrolled_at, "
        "en.occurred_at AS incident_at, en.status AS enrollment_status, en.ou AS enrollment_ou, "
        "en.created_at, en.updated_at, en.completed_at{} FROM {} AS en{} WHERE en.program = {} "
        "AND NOT COALESCE(en.deleted, FALSE)), ",
        columns, relations_.enrollments, pivots, program);
  }
  // FIRST/LAST (event indicators): every row of the period is ranked per org unit by event date,
  // then creation, ascending or descending (dhis2-core FirstOrLastValueSubqueryRenderer; the
  // event uid breaks what DHIS2 leaves to chance); the filter applies after the ranking, as
  // DHIS2's outer WHERE does, so a first row failing it leaves its unit without a value.
  std::string rank_order = PeriodRankOrder();
  std::string rank_column;
  if (!rank_order.empty()) {
    rank_column = fmt::format(
        ", row_number() OVER (PARTITION BY p.pe, p.period_type, {0} ORDER BY r.occurred_at {1}, "
        "r.created_at {1}, r.event {1}) AS pe_rank",
        ou_sql, rank_order);
    filter_sql = "r.pe_rank = 1 AND " + filter_sql;
  }
  with += fmt::format(
      "pi_in_period AS (SELECT r.*, p.pe, p.period_type, p.start_date, p.end_date{} FROM pi_rows "
      "AS r JOIN (SELECT p.*{} FROM {} AS p) AS p ON {})",
      rank_column, bounds, relations_.periods, conditions);
  std::string joins;
  for (size_t i = 0; i < aggregates_.size(); ++i) {
    with += fmt::format(", pi_a{} AS ({})", i, aggregates_[i].body);
    joins += fmt::format(
        " LEFT JOIN pi_a{0} AS a{0} ON a{0}.enrollment = r.enrollment AND "
        "a{0}.pe = r.pe",
        i);
  }
  for (size_t i = 0; i < relationship_types_.size(); ++i) {
    std::string type_filter = relationship_types_[i].empty()
                                  ? ""
                                  : " WHERE relationship_type = " + Lit(relationship_types_[i]);
    with += fmt::format(
        ", pi_rl{0} AS (SELECT tracked_entity, count(DISTINCT relationship) AS value FROM (SELECT "
        "from_tracked_entity AS tracked_entity, relationship, relationship_type FROM {1} UNION "
        "ALL SELECT to_tracked_entity AS tracked_entity, relationship, relationship_type FROM "
        "{1}) AS ends{2} GROUP BY tracked_entity)",
        i, relations_.relationships, type_filter);
    joins +=
        fmt::format(" LEFT JOIN pi_rl{0} AS rl{0} ON rl{0}.tracked_entity = r.tracked_entity", i);
  }
  with += fmt::format(
      ", pi_values AS (SELECT r.pe, r.period_type, {} AS ou, {} AS value FROM pi_in_period AS r{} "
      "WHERE {})",
      ou_sql, value_sql, joins, filter_sql);
  // Every unit's ancestors at each level (itself included), so that one GROUP BY computes every
  // level from pi_values read once; distinct counts stay distinct per level.
  std::string ancestors;
  for (int level = 1; level <= options_.org_unit_levels; ++level) {
    ancestors += fmt::format(
        "{}SELECT uid, {} AS ou_level, level{}_uid AS ancestor FROM {} WHERE level{}_uid IS NOT "
        "NULL",
        level > 1 ? " UNION ALL " : "", level, level, relations_.org_units, level);
  }
  std::string levels = fmt::format(
      "SELECT {} AS program_indicator, o.ancestor AS ou, o.ou_level, v.pe, v.period_type, {} AS "
      "value FROM pi_values AS v JOIN ({}) AS o ON o.uid = v.ou GROUP BY o.ancestor, o.ou_level, "
      "v.pe, v.period_type HAVING count(v.value) > 0 AND {} IS NOT NULL",
      Lit(pi_.uid), aggregate, ancestors, aggregate);
  return with + " " + levels;
}

}  // namespace

Result<std::string> CompileProgramIndicatorToSql(const ProgramIndicator& indicator,
                                                 const ProgramIndicatorRelations& relations,
                                                 const ProgramIndicatorSqlOptions& options) {
  if (indicator.expression.empty()) {
    return InvalidArgument("program indicator " + indicator.uid + " has no expression");
  }
  Compiler compiler(indicator, relations, options);
  return compiler.Run();
}

}  // namespace dhl::dhis2
