#include "pipeline/content_fingerprint.h"

#include <array>
#include <bit>
#include <cmath>
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
constexpr std::string_view kRulesVersion = "3";

// A second hash independent of the first: another starting state, the columns the other way round.
constexpr std::string_view kCheckSalt = "dhis2lake fingerprint";

// The SQL name of FingerprintDouble in the engine.
constexpr std::string_view kDoubleFunction = "dhl_fingerprint_double";

// FingerprintDouble's grid: the low 22 of the 52 fraction bits go, 31 significant bits stay.
constexpr int kDroppedBits = 22;
constexpr uint64_t kDroppedMask = (uint64_t{1} << kDroppedBits) - 1;
// Added before the dropped bits are cleared: half a step rounds to nearest, and 2^12 units in the
// last place more put the boundary below the midpoint (FingerprintDouble).
constexpr uint64_t kRoundingBias = (uint64_t{1} << (kDroppedBits - 1)) + (uint64_t{1} << 12);
constexpr double kZeroBelow = 1e-10;

// The column as hashed.
std::string Hashed(const std::string& name, const std::string& type) {
  std::string column = QuoteName(name);
  // A text column from a dictionary (an ENUM) hashes as the text it is written as.
  if (type.starts_with("ENUM(")) return "CAST(" + column + " AS VARCHAR)";
  if (type != "DOUBLE") return column;
  return std::string(kDoubleFunction) + "(" + column + ")";
}

}  // namespace

double FingerprintDouble(double value) {
  if (!std::isfinite(value)) return value;
  if (std::abs(value) < kZeroBelow) return 0.0;
  // Sign and magnitude: the carry of a rounding up runs into the exponent, as it should.
  uint64_t bits = std::bit_cast<uint64_t>(value);
  double rounded = std::bit_cast<double>((bits + kRoundingBias) & ~kDroppedMask);
  return std::isfinite(rounded) ? rounded : value;  // within a step of the largest double
}

Result<Fingerprints> ComputeFingerprints(
    engine::Connection& connection, const std::string& relation,
    const std::vector<std::pair<std::string, std::string>>& columns,
    const std::vector<std::string>& partition_columns, const std::string& where) {
  DHL_RETURN_IF_ERROR(
      connection.RegisterDoubleFunction(std::string(kDoubleFunction), FingerprintDouble));
  // Each column as hashed, evaluated once for both hashes (_c1, …), beside the partition values
  // (_p1, …), grouped as they are and rendered as text once per partition (a text built per row
  // cost a string per row).
  std::vector<std::string> projected;
  std::vector<std::string> keys;
  std::vector<std::string> positions;
  for (size_t i = 0; i < partition_columns.size(); ++i) {
    std::string key = "_p" + std::to_string(i + 1);
    projected.push_back(QuoteName(partition_columns[i]) + " AS " + key);
    keys.push_back("CAST(" + key + " AS VARCHAR)");
    positions.push_back(key);
  }
  std::vector<std::string> hashed;
  for (size_t i = 0; i < columns.size(); ++i) {
    hashed.push_back("_c" + std::to_string(i + 1));
    projected.push_back(Hashed(columns[i].first, columns[i].second) + " AS " + hashed.back());
  }
  if (projected.empty()) projected.push_back("0 AS _c0");
  std::vector<std::string> reversed(hashed.rbegin(), hashed.rend());
  reversed.insert(reversed.begin(), StringLiteral(std::string(kCheckSalt)));
  std::string hash = hashed.empty() ? "0" : "hash(" + Join(hashed, ", ") + ")";
  std::string check = "hash(" + Join(reversed, ", ") + ")";
  keys.push_back("count(*)");
  keys.push_back("CAST(COALESCE(sum(CAST(" + hash + " AS HUGEINT)), 0) AS VARCHAR)");
  keys.push_back("CAST(COALESCE(sum(CAST(" + check + " AS HUGEINT)), 0) AS VARCHAR)");
  std::string rows =
      "SELECT " + Join(projected, ", ") + " FROM " + relation + " AS _fingerprint_rows";
  if (!where.empty()) rows += " WHERE " + where;
  std::string query = "SELECT " + Join(keys, ", ") + " FROM (" + rows + ") AS _fingerprint_columns";
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
