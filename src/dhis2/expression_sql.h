// Compilation of a parsed DHIS2 expression into ONE SQL expression over item columns, so that an
// expression is computed for millions of org unit x period cells by a single set-based query.
//
// The caller maps each item (expression.items()) to a SQL expression yielding its DOUBLE value, or
// NULL when the cell has no value (typically a quoted column of a pivoted table: use
// sql::QuoteIdentifier). The result has the same meaning as EvaluateExpression() in
// expression_evaluator.h on the same inputs, including the missing value strategy and the
// replacement of missing items by 0, rendered as
//   CASE WHEN <all|any counted item column> IS NULL THEN NULL ELSE COALESCE(<expr>, 0) END
// with COALESCE(column, 0) for counted items. Boolean results are rendered as DOUBLE 1 / 0.
// Differences from the evaluator, all at non-finite values: where the evaluator yields -Infinity or
// NaN (log of a non-positive number, log base 1), the SQL yields NULL.
// Not compiled (Unsupported): what the evaluator does not evaluate, plus normDistCum/normDistDen.
//
// Functions are pure; the item column function is called once per distinct item, from the calling
// thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "dhis2/expression.h"
#include "dhis2/expression_evaluator.h"
#include "sql/dialect.h"

namespace dhl::dhis2 {

// The SQL expression (already quoted) giving an item's DOUBLE value in the current row.
using ItemSqlFunction = std::function<Result<std::string>(const ItemKey& item)>;

struct SqlCompileOptions {
  sql::Dialect dialect = sql::Dialect::kDuckDb;
  MissingValueStrategy missing_value_strategy = MissingValueStrategy::kSkipIfAllValuesMissing;
  // The SQL expression for [days] (e.g. a quoted `days` column); needed only when the expression
  // uses [days].
  std::string days_sql;
  // Whether an item in a counted position counts for the missing value strategy; unset = every
  // item counts. DHIS2 counts only its dimensional items (data elements, operands, reporting
  // rates, indicators, program items: DimensionalItem calls ExpressionState.handleNulls); C{} and
  // OUG{} evaluate directly and never count, so indicators pass a predicate saying so.
  std::function<bool(const ItemKey& item)> item_counts;
  // The SQL (already quoted) of a subExpression(...) call's value in the current row, NULL where it
  // has none; it is then treated like an item (replaced by 0 in a counted position, counted for the
  // missing value strategy). The caller computes it elsewhere (DHIS2 evaluates a subexpression per
  // source org unit before aggregating, JdbcSubexpressionQueryGenerator), typically from
  // CompileSubexpressionToSql(). Unset: subExpression() is not compiled.
  std::function<Result<std::string>(const ExpressionNode& call)> subexpression_sql;
  // The same for a predictor's sample function call (avg(...), sum(...), ...: its value over the
  // sample periods, computed by the caller, typically from CompileSampleArgumentToSql()). Unset:
  // the sample functions are not compiled.
  std::function<Result<std::string>(const ExpressionNode& call)> sample_function_sql;
  // The SQL (already quoted) of a normDistCum(...) / normDistDen(...) call's value in the current
  // row, given its arguments compiled in the current row (x, then the mean and the standard
  // deviation where written). With fewer than three arguments the caller computes the missing
  // mean and standard deviation of x over the sample periods (dhis2-core FunctionNormDistAbstract),
  // typically from CompileSampleArgumentToSql(call, 0). Unset: the two functions are not compiled.
  std::function<Result<std::string>(const ExpressionNode& call,
                                    const std::vector<std::string>& arguments)>
      norm_dist_sql;
};

// The expression as one SQL expression (DOUBLE, or VARCHAR for a text result).
Result<std::string> CompileExpressionToSql(const Expression& expression,
                                           const ItemSqlFunction& item_sql,
                                           const SqlCompileOptions& options);

// The argument of the subExpression(...) call `call` (a node of `expression`) as one SQL expression
// the way DHIS2 renders it for the database (JdbcSubexpressionQueryGenerator,
// FunctionSubexpression): each item is its bare column from `item_sql` (a missing value stays NULL:
// no replacement by 0, no missing value strategy, no replacement of a null result), so the caller
// can drop the rows where it is NULL. Booleans are rendered as DOUBLE 1 / 0; a text result is
// Unsupported.
Result<std::string> CompileSubexpressionToSql(const Expression& expression,
                                              const ExpressionNode& call,
                                              const ItemSqlFunction& item_sql,
                                              const SqlCompileOptions& options);

// Argument `index` of the sample function call `call` (avg(...), percentileCont(p, ...), ...; also
// the x of normDistCum(x) / normDistDen(x), whose mean and deviation come from the samples) as
// one SQL expression over one sample period's item columns, items bare as in
// CompileSubexpressionToSql (a sample period where it is NULL takes no part in the function).
Result<std::string> CompileSampleArgumentToSql(const Expression& expression,
                                               const ExpressionNode& call, size_t index,
                                               const ItemSqlFunction& item_sql,
                                               const SqlCompileOptions& options);

// The indicator value as one SQL expression, with EvaluateIndicator()'s rule: numerator and
// denominator with SKIP_IF_ALL_VALUES_MISSING, NULL when either is NULL or the denominator is 0,
// numerator * factor [* 365] / (denominator [* days]). `days_sql` gives the days of the row's
// period(s); needed when the formula is annualised or uses [days].
Result<std::string> CompileIndicatorToSql(const IndicatorFormula& formula,
                                          const ItemSqlFunction& item_sql, sql::Dialect dialect,
                                          std::string_view days_sql);

}  // namespace dhl::dhis2
