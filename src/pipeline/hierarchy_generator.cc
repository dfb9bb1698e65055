#include "pipeline/hierarchy_generator.h"

#include <fmt/format.h>

#include <vector>

#include "base/text.h"
#include "pipeline/dimension_generators.h"
#include "sql/dialect.h"

namespace dhl::pipeline {
namespace {

// CASE level WHEN 2 THEN level1_uid ... END: the parent's uid in a version's own path.
std::string ParentUidSql() {
  std::string cases;
  for (int level = 2; level <= kOrgUnitLevels; ++level) {
    cases += fmt::format(" WHEN {} THEN level{}_uid", level, level - 1);
  }
  return "CAST(CASE level" + cases + " END AS VARCHAR)";
}

std::string DateColumns(bool dates, std::string_view alias) {
  if (!dates) return "";
  return fmt::format(", {0}opening_date, {0}closed_date", alias);
}

// Today's hierarchy: each current unit its own node.
std::string CurrentAncestry(bool dates) {
  std::vector<std::string> levels;
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    levels.push_back(fmt::format("CAST(level{0}_uid AS VARCHAR) AS level{0}_uid", level));
  }
  return "ancestry AS (\n  SELECT CAST(uid AS VARCHAR) AS uid, level, CAST(NULL AS DATE) AS "
         "valid_from,\n         CAST(NULL AS DATE) AS valid_to, CAST(uid AS VARCHAR) AS node, " +
         ParentUidSql() + " AS parent_node,\n         " + Join(levels, ", ") +
         DateColumns(dates, "") + "\n  FROM ref('silver.org_unit')\n  WHERE valid_to IS NULL\n)";
}

// The chain of each unit's own parent on the same days, level by level from the root.
std::string AsOfPeriodAncestry(bool dates, sql::Dialect dialect) {
  std::vector<std::string> ctes;
  ctes.push_back(
      "ancestry_version AS (\n  SELECT CAST(uid AS VARCHAR) AS uid, level, CAST(valid_from AS "
      "DATE) "
      "AS valid_from,\n         CAST(valid_to AS DATE) AS valid_to, " +
      ParentUidSql() + " AS parent" + DateColumns(dates, "") +
      "\n  FROM ref('silver.org_unit')\n  WHERE valid_from IS NULL OR valid_to IS NULL OR "
      "CAST(valid_from AS DATE) < CAST(valid_to AS DATE)\n)");
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    std::vector<std::string> chain;
    for (int above = 1; above <= kOrgUnitLevels; ++above) {
      std::string column = fmt::format("level{}_uid", above);
      if (above < level) {
        chain.push_back("p." + column);
      } else if (above == level) {
        chain.push_back("v.uid AS " + column);
      } else {
        chain.push_back("CAST(NULL AS VARCHAR) AS " + column);
      }
    }
    if (level == 1) {
      ctes.push_back(
          "ancestry_1 AS (\n  SELECT v.uid, v.level, v.valid_from, v.valid_to, '/' || v.uid AS "
          "node,\n         CAST(NULL AS VARCHAR) AS parent_node, " +
          Join(chain, ", ") + DateColumns(dates, "v.") +
          "\n  FROM ancestry_version v\n  WHERE v.level = 1\n)");
      continue;
    }
    // The stretch where both the version and the parent's chain hold (NULL: unbounded, which
    // greatest() and least() skip).
    ctes.push_back(fmt::format(
        "ancestry_{0} AS (\n"
        "  SELECT v.uid, v.level, {2} AS valid_from, {3} AS valid_to,\n"
        "         p.node || '/' || v.uid AS node, p.node AS parent_node, {4}{5}\n"
        "  FROM ancestry_version v\n"
        "  JOIN ancestry_{1} p\n"
        "    ON p.uid = v.parent\n"
        "   AND (v.valid_from IS NULL OR p.valid_to IS NULL OR v.valid_from < p.valid_to)\n"
        "   AND (p.valid_from IS NULL OR v.valid_to IS NULL OR p.valid_from < v.valid_to)\n"
        "  WHERE v.level = {0}\n"
        ")",
        level, level - 1, sql::Greatest({"v.valid_from", "p.valid_from"}, dialect),
        sql::Least({"v.valid_to", "p.valid_to"}, dialect), Join(chain, ", "),
        DateColumns(dates, "v.")));
  }
  std::vector<std::string> levels;
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    levels.push_back(fmt::format("  SELECT * FROM ancestry_{}", level));
  }
  ctes.push_back("ancestry AS (\n" + Join(levels, "\n  UNION ALL\n") + "\n)");
  return Join(ctes, ",\n");
}

Result<std::string> Ancestry(const GeneratorContext& context, bool dates) {
  if (context.Settings().hierarchy == Hierarchy::kAsOfPeriod) {
    return AsOfPeriodAncestry(dates, context.dialect);
  }
  return CurrentAncestry(dates);
}

}  // namespace

Result<std::string> GenerateOrgUnitAncestry(const GeneratorContext& context) {
  return Ancestry(context, /*dates=*/false);
}

Result<std::string> GenerateOrgUnitAncestryWithDates(const GeneratorContext& context) {
  return Ancestry(context, /*dates=*/true);
}

Result<std::string> GenerateOrgUnitNodeJoin(const GeneratorContext& context) {
  if (context.Settings().hierarchy == Hierarchy::kAsOfPeriod) {
    return std::string(
        "unit_stretch u\n"
        "    ON u.ou = f.ou AND (u.valid_from IS NULL OR u.valid_from <= f.end_date)\n"
        "   AND (u.valid_to IS NULL OR u.valid_to > f.end_date)");
  }
  // Each current unit is its only node, on every day: a plain join on the uid.
  return std::string("unit u ON u.ou = f.ou");
}

}  // namespace dhl::pipeline
