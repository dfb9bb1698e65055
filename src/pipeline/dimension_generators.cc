#include "pipeline/dimension_generators.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "dhis2/period.h"
#include "dhis2/period_type.h"
#include "sql/literal.h"
#include "sql/shared_sql.h"

namespace dhl::pipeline {
namespace {

std::string DateSql(dhis2::Date date, sql::Dialect dialect) {
  return "CAST(" + sql::StringLiteral(dhis2::FormatDate(date), dialect) + " AS DATE)";
}

// The distinct non-NULL values of `expression` over `from` (a FROM clause), as text.
Result<std::vector<std::string>> DistinctTexts(const GeneratorContext& context,
                                               const std::string& from,
                                               const std::string& expression) {
  DHL_ASSIGN_OR_RETURN(
      auto result,
      context.connection->Query("SELECT DISTINCT CAST(" + expression + " AS VARCHAR) FROM " + from +
                                " WHERE " + expression + " IS NOT NULL"));
  std::vector<std::string> values;
  for (size_t row = 0; row < result.row_count(); ++row) {
    if (auto value = result.GetString(0, row)) values.push_back(*value);
  }
  return values;
}

// The distinct non-NULL values of `column` in the model's input `table`, when declared.
Result<std::vector<std::string>> DistinctValues(const GeneratorContext& context,
                                                const lake::TableName& table,
                                                std::string_view column) {
  DHL_ASSIGN_OR_RETURN(std::string relation, context.relation(table));
  return DistinctTexts(context, relation, sql::QuoteName(column));
}

}  // namespace

std::string PeriodRowsSql(const std::vector<std::string>& period_ids, sql::Dialect dialect) {
  std::vector<std::string> columns = {"pe",       "period_type", "start_date",
                                      "end_date", "days",        "year"};
  std::vector<std::string> casts = {"STRING", "STRING", "DATE", "DATE", "INT", "INT"};
  for (dhis2::PeriodType type : dhis2::kAllPeriodTypes) {
    columns.emplace_back(dhis2::PeriodTypeColumnName(type));
    casts.emplace_back("STRING");
  }
  std::map<std::string, dhis2::Period> periods;  // by canonical id: sorted, deduplicated
  for (const std::string& id : period_ids) {
    auto period = dhis2::ParsePeriodId(id);
    if (period.ok()) periods.emplace(period->id(), *period);
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < columns.size(); ++i) {
    std::string name = sql::QuoteName(columns[i], dialect);
    // Integer casts of integer literals (not doubles) mean the same on both engines.
    items.push_back(periods.empty() ? "CAST(NULL AS " + casts[i] + ") AS " + name
                                    : "CAST(" + name + " AS " + casts[i] + ") AS " + name);
  }
  if (periods.empty()) {
    return "SELECT " + fmt::format("{}", fmt::join(items, ", ")) +
           " FROM (SELECT 1 AS one) AS empty WHERE 1 = 0";
  }
  std::vector<std::string> rows;
  for (const auto& [id, period] : periods) {
    std::vector<std::string> values = {
        sql::StringLiteral(id, dialect),
        sql::StringLiteral(dhis2::PeriodTypeName(period.type()), dialect),
        DateSql(period.start(), dialect),
        DateSql(period.end(), dialect),
        std::to_string(period.days()),
        std::to_string(dhis2::YearOf(period.start()))};
    for (dhis2::PeriodType type : dhis2::kAllPeriodTypes) {
      std::optional<dhis2::Period> containing;
      if (type != period.type()) containing = dhis2::StructurePeriod(period, type);
      values.push_back(containing ? sql::StringLiteral(containing->id(), dialect)
                                  : std::string("NULL"));
    }
    rows.push_back("(" + fmt::format("{}", fmt::join(values, ", ")) + ")");
  }
  std::vector<std::string> names;
  for (const std::string& column : columns) names.push_back(sql::QuoteName(column, dialect));
  return "SELECT " + fmt::format("{}", fmt::join(items, ", ")) + " FROM (VALUES " +
         fmt::format("{}", fmt::join(rows, ",\n")) + ") AS periods(" +
         fmt::format("{}", fmt::join(names, ", ")) + ")";
}

Result<std::string> GeneratePeriodRows(const GeneratorContext& context) {
  std::vector<std::string> ids;
  for (const lake::TableName& table : {lake::TableName{"bronze", "data_value"},
                                       lake::TableName{"bronze", "complete_registration"}}) {
    bool declared = false;
    for (const Ref& ref : context.model->refs) declared = declared || ref.table == table;
    if (!declared) continue;
    DHL_ASSIGN_OR_RETURN(std::vector<std::string> values, DistinctValues(context, table, "period"));
    ids.insert(ids.end(), values.begin(), values.end());
  }
  return PeriodRowsSql(ids, context.dialect);
}

std::string CategoryColumnsSql(const std::vector<std::string>& category_uids,
                               const std::string& category_column, const std::string& option_column,
                               sql::Dialect dialect) {
  std::set<std::string> uids(category_uids.begin(), category_uids.end());
  std::string items;
  for (const std::string& uid : uids) {
    if (uid.empty()) continue;
    items += ",\n  MAX(CASE WHEN " + category_column + " = " + sql::StringLiteral(uid, dialect) +
             " THEN " + option_column + " END) AS " + sql::QuoteName(uid, dialect);
  }
  return items;
}

Result<std::string> GenerateCocCategoryColumns(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(std::vector<std::string> uids,
                       DistinctValues(context, lake::TableName{"silver", "category"}, "uid"));
  return CategoryColumnsSql(uids, "o.category", "o.category_option", context.dialect);
}

std::string LatestVersionSql(const lake::TableName& table, sql::Dialect dialect) {
  // An object DHIS2 deleted (bronze.deleted_object) after its latest version is left out; one
  // created again under the same uid later is back.
  return sql::RenderShared(
      "SELECT ranked.* FROM (\n"
      "    SELECT\n"
      "      m.*,\n"
      "      row_number() OVER (\n"
      "        PARTITION BY id ORDER BY lastUpdated DESC NULLS LAST, _ingested_at DESC NULLS "
      "LAST)\n"
      "        AS version_rank\n"
      "    FROM ref('" +
          table.ToString() +
          "') AS m\n"
          "  ) AS ranked\n"
          "  LEFT JOIN (SELECT uid AS gone_uid, max(deletedAt) AS gone_at\n"
          "    FROM ref('" +
          std::string(kDeletedObjectTable) +
          "') GROUP BY uid) AS gone ON gone.gone_uid = ranked.id\n"
          "  WHERE version_rank = 1\n"
          "    AND (gone.gone_uid IS NULL OR ranked.lastUpdated > gone.gone_at)",
      dialect);
}

std::string TextDictionaryType(std::vector<std::string> values, sql::Dialect dialect) {
  if (dialect == sql::Dialect::kSpark) return "STRING";
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  if (values.empty() || static_cast<int64_t>(values.size()) > kTextDictionaryLimit) {
    return "VARCHAR";
  }
  std::vector<std::string> literals;
  literals.reserve(values.size());
  for (const std::string& value : values) literals.push_back(sql::StringLiteral(value, dialect));
  return fmt::format("ENUM({})", fmt::join(literals, ", "));
}

Result<std::string> TextDictionaryOf(const GeneratorContext& context, const lake::TableName& table,
                                     std::string_view column) {
  if (context.dialect == sql::Dialect::kSpark) return TextDictionaryType({}, context.dialect);
  DHL_ASSIGN_OR_RETURN(std::vector<std::string> values, DistinctValues(context, table, column));
  return TextDictionaryType(std::move(values), context.dialect);
}

Result<std::string> TextDictionaryOver(const GeneratorContext& context, const std::string& from,
                                       const std::string& expression) {
  if (context.dialect == sql::Dialect::kSpark) return TextDictionaryType({}, context.dialect);
  DHL_ASSIGN_OR_RETURN(std::vector<std::string> values, DistinctTexts(context, from, expression));
  return TextDictionaryType(std::move(values), context.dialect);
}

Result<std::string> TextColumnFromDictionary(const GeneratorContext& context,
                                             const lake::TableName& table,
                                             const std::string& column) {
  DHL_ASSIGN_OR_RETURN(std::string type, TextDictionaryOf(context, table, column));
  const std::string quoted = sql::QuoteName(column, context.dialect);
  return fmt::format("CAST(CAST({0} AS {1}) AS {2}) AS {0}", quoted,
                     context.dialect == sql::Dialect::kSpark ? "STRING" : "VARCHAR", type);
}

Result<std::string> GenerateTextDictionary(const GeneratorContext& context) {
  if (!context.table || context.column.empty()) {
    return InvalidArgument(
        "want a table and its column: generated('text_dictionary', 'silver.org_unit', 'uid')");
  }
  return TextDictionaryOf(context, *context.table, context.column);
}

Result<std::string> GenerateLatestVersion(const GeneratorContext& context) {
  if (!context.table) {
    return InvalidArgument("want the table: generated('latest_version', 'bronze.metadata_x')");
  }
  return LatestVersionSql(*context.table, context.dialect);
}

Result<std::string> GenerateOrgUnitPathUids(const GeneratorContext& context) {
  std::vector<std::string> items;
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    // "/a/b/c" splits into "", "a", "b", "c": level N is part N + 1.
    items.push_back(fmt::format("NULLIF(split_part(path, '/', {}), '') AS u{}", level + 1, level));
  }
  return sql::RenderShared(fmt::format("{}", fmt::join(items, ",\n    ")), context.dialect);
}

Result<std::string> GenerateOrgUnitLevelColumns(const GeneratorContext& context) {
  std::vector<std::string> items;
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    items.push_back(fmt::format("s.u{0} AS level{0}_uid", level));
  }
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    items.push_back(fmt::format("a{0}.name AS level{0}_name", level));
  }
  return sql::RenderShared(fmt::format("{}", fmt::join(items, ",\n  ")), context.dialect);
}

Result<std::string> GenerateOrgUnitAncestorJoins(const GeneratorContext& context) {
  std::string joins;
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    // The ancestor's version valid when this one ended: it began before that end and ended at or
    // after it (both open ends far-off instants: comparisons only, so a hash join on the uid).
    joins += fmt::format(
        "LEFT JOIN split AS a{0} ON a{0}.uid = s.u{0}\n"
        "  AND a{0}.valid_from_or_min < s.valid_to_or_max\n"
        "  AND a{0}.valid_to_or_max >= s.valid_to_or_max\n",
        level);
  }
  return sql::RenderShared(joins, context.dialect);
}

}  // namespace dhl::pipeline
