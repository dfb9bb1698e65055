#include "pipeline/content_fingerprint.h"

#include <array>
#include <nlohmann/json.hpp>
#include <set>

#include "base/text.h"
#include "sql/literal.h"

namespace dhl::pipeline {
namespace {

using sql::QuoteName;
using sql::StringLiteral;

using nlohmann::json;

// Bumped when the rules below change (which columns, how doubles round, the salt).
constexpr std::string_view kRulesVersion = "2";

// A second hash independent of the first: another starting state, the columns the other way round.
constexpr std::string_view kCheckSalt = "dhis2lake fingerprint";

// The column as hashed: doubles rounded to 10 significant digits, under 1e-10 as 0 (infinities,
// NaN and NULL as they are). Before rounding a double is scaled by 1 + 3e-13: a value whose decimal
// form ends in 5 just past the 10th digit (an average over 256 values, 54.519921875) lies on a
// rounding midpoint, where one unit in the last place of jitter decides the direction; scaled, it
// lies 3e-13 (relative) past it, a thousand times the jitter, while the values that land on a
// midpoint after scaling are not short decimals.
// A whole number under 1e9 in magnitude (most values and sums) is its own rounding (it has at most
// 9 digits, and the scaling moves it by under 3e-4), so it is hashed as it is: round's pow and the
// log10 per value were a quarter of a wide table's fingerprint time (gold.outlier, 17 columns).
std::string Hashed(const std::string& name, const std::string& type) {
  std::string column = QuoteName(name);
  if (type != "DOUBLE") return column;
  return "CASE WHEN abs(" + column + ") < 1e-10 THEN 0.0 WHEN abs(" + column + ") < 1e9 AND " +
         column + " = trunc(" + column + ") THEN " + column + " WHEN isfinite(" + column +
         ") THEN round(" + column +
         " * CAST(1.0000000000003 AS DOUBLE), 9 - CAST(floor(log10(abs(" + column +
         "))) AS INTEGER)) ELSE " + column + " END";
}

}  // namespace

Result<Fingerprints> ComputeFingerprints(
    engine::Connection& connection, const std::string& relation,
    const std::vector<std::pair<std::string, std::string>>& columns,
    const std::vector<std::string>& partition_columns, const std::string& where) {
  std::vector<std::string> hashed;
  for (const auto& [name, type] : columns) hashed.push_back(Hashed(name, type));
  std::vector<std::string> reversed(hashed.rbegin(), hashed.rend());
  reversed.insert(reversed.begin(), StringLiteral(std::string(kCheckSalt)));
  std::string hash = hashed.empty() ? "0" : "hash(" + Join(hashed, ", ") + ")";
  std::string check = "hash(" + Join(reversed, ", ") + ")";
  std::vector<std::string> keys;
  std::vector<std::string> positions;
  for (size_t i = 0; i < partition_columns.size(); ++i) {
    keys.push_back("CAST(" + QuoteName(partition_columns[i]) + " AS VARCHAR)");
    positions.push_back(std::to_string(i + 1));
  }
  keys.push_back("count(*)");
  keys.push_back("CAST(COALESCE(sum(CAST(" + hash + " AS HUGEINT)), 0) AS VARCHAR)");
  keys.push_back("CAST(COALESCE(sum(CAST(" + check + " AS HUGEINT)), 0) AS VARCHAR)");
  std::string query = "SELECT " + Join(keys, ", ") + " FROM " + relation + " AS _fingerprint_rows";
  if (!where.empty()) query += " WHERE " + where;
  if (!positions.empty()) query += " GROUP BY " + Join(positions, ", ");
  DHL_ASSIGN_OR_RETURN(engine::QueryResult result, connection.Query(query));
  Fingerprints fingerprints;
  size_t count_column = partition_columns.size();
  for (size_t row = 0; row < result.row_count(); ++row) {
    lake::PartitionValues partition;
    for (size_t i = 0; i < partition_columns.size(); ++i) {
      partition[partition_columns[i]] = result.GetString(i, row);
    }
    RowFingerprint& fingerprint = fingerprints[partition];
    fingerprint.rows = result.GetInt64(count_column, row).value_or(0);
    fingerprint.hash_sum = result.GetString(count_column + 1, row).value_or("0");
    fingerprint.check_sum = result.GetString(count_column + 2, row).value_or("0");
  }
  if (partition_columns.empty() && fingerprints.empty())
    fingerprints[{}] = RowFingerprint{0, "0", "0"};
  return fingerprints;
}

Result<Fingerprints> AddFingerprints(engine::Connection& connection, const Fingerprints& base,
                                     const Fingerprints& added, const Fingerprints& removed) {
  // One row of HUGEINT arithmetic per partition any side names, in one query.
  std::map<lake::PartitionValues, std::array<const RowFingerprint*, 3>> sides;
  for (const auto& [partition, fingerprint] : base) sides[partition][0] = &fingerprint;
  for (const auto& [partition, fingerprint] : added) sides[partition][1] = &fingerprint;
  for (const auto& [partition, fingerprint] : removed) sides[partition][2] = &fingerprint;
  Fingerprints sums;
  if (sides.empty()) return sums;
  auto sum_of = [&](const std::array<const RowFingerprint*, 3>& three,
                    std::string RowFingerprint::*member) {
    std::string sql;
    for (size_t side = 0; side < three.size(); ++side) {
      const std::string term = three[side] == nullptr ? std::string("0") : (*three[side]).*member;
      sql += std::string(side == 0   ? ""
                         : side == 1 ? " + "
                                     : " - ") +
             "CAST(" + StringLiteral(term.empty() ? std::string("0") : term) + " AS HUGEINT)";
    }
    return "CAST(" + sql + " AS VARCHAR)";
  };
  std::vector<std::string> rows;
  for (const auto& [partition, three] : sides) {
    rows.push_back("SELECT " + std::to_string(rows.size()) + ", " +
                   sum_of(three, &RowFingerprint::hash_sum) + ", " +
                   sum_of(three, &RowFingerprint::check_sum));
  }
  DHL_ASSIGN_OR_RETURN(engine::QueryResult result,
                       connection.Query(Join(rows, " UNION ALL ") + " ORDER BY 1"));
  size_t row = 0;
  for (const auto& [partition, three] : sides) {
    int64_t count = 0;
    for (size_t side = 0; side < three.size(); ++side) {
      if (three[side] != nullptr) count += side == 2 ? -three[side]->rows : three[side]->rows;
    }
    if (count != 0 || partition.empty()) {
      sums[partition] = RowFingerprint{count, result.GetString(1, row).value_or("0"),
                                       result.GetString(2, row).value_or("0")};
    }
    ++row;
  }
  return sums;
}

std::vector<lake::PartitionValues> DifferingPartitions(const Fingerprints& before,
                                                       const Fingerprints& after) {
  std::set<lake::PartitionValues> differing;
  for (const auto& [partition, fingerprint] : before) {
    auto other = after.find(partition);
    if (other == after.end() || !(other->second == fingerprint)) differing.insert(partition);
  }
  for (const auto& [partition, fingerprint] : after) {
    if (before.count(partition) == 0) differing.insert(partition);
  }
  return {differing.begin(), differing.end()};
}

Result<std::string> FingerprintFormat(engine::Connection& connection) {
  DHL_ASSIGN_OR_RETURN(engine::QueryResult result, connection.Query("SELECT version()"));
  return std::string(kRulesVersion) + "/" + result.GetString(0, 0).value_or("?");
}

std::string TableFingerprintsText(const TableFingerprints& fingerprints) {
  json partitions = json::array();
  for (const auto& [values, fingerprint] : fingerprints.partitions) {
    json tuple = json::object();
    for (const auto& [column, value] : values) {
      tuple[column] = value.has_value() ? json(*value) : json(nullptr);
    }
    partitions.push_back({{"values", tuple},
                          {"rows", fingerprint.rows},
                          {"hash", fingerprint.hash_sum},
                          {"check", fingerprint.check_sum}});
  }
  return json({{"version", fingerprints.version},
               {"format", fingerprints.format},
               {"partition_columns", fingerprints.partition_columns},
               {"partitions", partitions}})
      .dump();
}

std::optional<TableFingerprints> ParseTableFingerprints(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed["version"].is_number_integer() ||
      !parsed["format"].is_string() || !parsed["partition_columns"].is_array() ||
      !parsed["partitions"].is_array()) {
    return std::nullopt;
  }
  TableFingerprints fingerprints;
  fingerprints.version = parsed["version"].get<int64_t>();
  fingerprints.format = parsed["format"].get<std::string>();
  for (const json& column : parsed["partition_columns"]) {
    if (!column.is_string()) return std::nullopt;
    fingerprints.partition_columns.push_back(column.get<std::string>());
  }
  for (const json& entry : parsed["partitions"]) {
    if (!entry.is_object() || !entry.contains("values") || !entry.contains("rows") ||
        !entry.contains("hash") || !entry.contains("check") || !entry.at("values").is_object() ||
        !entry.at("rows").is_number_integer() || !entry.at("hash").is_string() ||
        !entry.at("check").is_string()) {
      return std::nullopt;
    }
    lake::PartitionValues values;
    for (const auto& [column, value] : entry.at("values").items()) {
      if (value.is_string()) {
        values[column] = value.get<std::string>();
      } else if (value.is_null()) {
        values[column] = std::nullopt;
      } else {
        return std::nullopt;
      }
    }
    fingerprints.partitions[values] =
        RowFingerprint{entry.at("rows").get<int64_t>(), entry.at("hash").get<std::string>(),
                       entry.at("check").get<std::string>()};
  }
  return fingerprints;
}

std::string PartitionCondition(const std::vector<lake::PartitionValues>& partitions) {
  std::vector<std::string> tuples;
  for (const lake::PartitionValues& partition : partitions) {
    std::vector<std::string> parts;
    for (const auto& [column, value] : partition) {
      parts.push_back(value.has_value()
                          ? "CAST(" + QuoteName(column) + " AS VARCHAR) = " + StringLiteral(*value)
                          : QuoteName(column) + " IS NULL");
    }
    tuples.push_back(parts.empty() ? "TRUE" : "(" + Join(parts, " AND ") + ")");
  }
  return tuples.empty() ? "FALSE" : "(" + Join(tuples, " OR ") + ")";
}

}  // namespace dhl::pipeline
