// The Delta log actions we read and write (docs/delta.md §3), as plain values. Paths are kept
// exactly as they appear in the log (URI-encoded, relative to the table root unless absolute);
// optional fields that were absent stay std::nullopt and are not written back.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dhl::lake {

// Partition column -> value as the log serialises it (docs/delta.md §5); std::nullopt is NULL.
using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct Protocol {
  int min_reader_version = 1;
  int min_writer_version = 2;
  std::optional<std::vector<std::string>> reader_features;
  std::optional<std::vector<std::string>> writer_features;
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string format_provider = "parquet";
  std::map<std::string, std::string> format_options;
  std::string schema_string;
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;
};

struct AddFile {
  std::string path;  // as in the log (URI-encoded)
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::optional<std::string> stats;  // the JSON text
  // Set when the add carries a deletion vector (we refuse such tables; kept to say so).
  bool has_deletion_vector = false;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  std::optional<PartitionValues> partition_values;
  std::optional<int64_t> size;
};

// An application transaction (`txn`): the latest `version` committed by `app_id`.
struct Transaction {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
};

struct CommitInfo {
  std::optional<int64_t> timestamp;
  std::string operation;
  // Values are strings; non-string values written by others are kept as their JSON text.
  std::map<std::string, std::string> operation_parameters;
  std::map<std::string, std::string> operation_metrics;
  std::optional<int64_t> read_version;
  std::optional<bool> is_blind_append;
  std::optional<std::string> isolation_level;
  std::optional<std::string> engine_info;
  std::optional<std::string> txn_id;
};

// Parsed `stats` of an add: what file skipping and history need. Min/max values stay JSON (numbers
// or strings, as written).
struct FileStatistics {
  std::optional<int64_t> num_records;
  std::map<std::string, nlohmann::json> min_values;
  std::map<std::string, nlohmann::json> max_values;
  std::map<std::string, int64_t> null_count;
};

// Parses an add's stats text; std::nullopt when it is absent or not a JSON object.
std::optional<FileStatistics> ParseFileStatistics(const std::optional<std::string>& stats);

}  // namespace dhl::lake
