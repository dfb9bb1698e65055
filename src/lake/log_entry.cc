#include "lake/log_entry.h"

#include <fmt/format.h>

namespace dhl::lake {
namespace {

using nlohmann::json;

// Typed field readers that never throw: a wrong type is reported as corruption by the caller.
bool IsMissing(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null();
}

std::optional<std::string> OptionalString(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<int64_t> OptionalInt(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) {
    return std::nullopt;
  }
  return it->get<int64_t>();
}

std::optional<bool> OptionalBool(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_boolean()) {
    return std::nullopt;
  }
  return it->get<bool>();
}

std::map<std::string, std::string> StringMap(const json& object, const char* key) {
  std::map<std::string, std::string> map;
  auto it = object.find(key);
  if (it == object.end() || !it->is_object()) {
    return map;
  }
  for (const auto& [name, value] : it->items()) {
    if (value.is_string()) {
      map[name] = value.get<std::string>();
    } else if (!value.is_null()) {
      map[name] = value.dump();
    }
  }
  return map;
}

std::optional<PartitionValues> PartitionValuesOf(const json& object) {
  auto it = object.find("partitionValues");
  if (it == object.end() || !it->is_object()) {
    return std::nullopt;
  }
  PartitionValues values;
  for (const auto& [name, value] : it->items()) {
    if (value.is_string()) {
      values[name] = value.get<std::string>();
    } else if (value.is_null()) {
      values[name] = std::nullopt;
    } else {
      values[name] = value.dump();
    }
  }
  return values;
}

std::optional<std::vector<std::string>> StringList(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) {
    return std::nullopt;
  }
  std::vector<std::string> list;
  for (const auto& item : *it) {
    if (item.is_string()) {
      list.push_back(item.get<std::string>());
    }
  }
  return list;
}

json PartitionValuesJson(const PartitionValues& values) {
  json object = json::object();
  for (const auto& [name, value] : values) {
    object[name] = value ? json(*value) : json(nullptr);
  }
  return object;
}

json StringMapJson(const std::map<std::string, std::string>& map) {
  json object = json::object();
  for (const auto& [name, value] : map) {
    object[name] = value;
  }
  return object;
}

}  // namespace

std::optional<FileStatistics> ParseFileStatistics(const std::optional<std::string>& stats) {
  if (!stats || stats->empty()) {
    return std::nullopt;
  }
  json parsed = json::parse(*stats, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return std::nullopt;
  }
  FileStatistics statistics;
  statistics.num_records = OptionalInt(parsed, "numRecords");
  for (const char* key : {"minValues", "maxValues"}) {
    auto it = parsed.find(key);
    if (it == parsed.end() || !it->is_object()) {
      continue;
    }
    auto& target =
        std::string_view(key) == "minValues" ? statistics.min_values : statistics.max_values;
    for (const auto& [name, value] : it->items()) {
      target[name] = value;
    }
  }
  auto it = parsed.find("nullCount");
  if (it != parsed.end() && it->is_object()) {
    for (const auto& [name, value] : it->items()) {
      if (value.is_number_integer()) {
        statistics.null_count[name] = value.get<int64_t>();
      }
    }
  }
  return statistics;
}

Status LogEntry::AddActions(const json& line, std::string_view where) {
  if (!line.is_object()) {
    return Corruption(fmt::format("{}: not a JSON object", where));
  }
  for (const auto& [action, body] : line.items()) {
    if (body.is_null()) {
      continue;  // checkpoint rows hold a null for every other action column
    }
    if (!body.is_object()) {
      return Corruption(fmt::format("{}: action '{}' is not an object", where, action));
    }
    if (action == "add") {
      AddFile add;
      auto path = OptionalString(body, "path");
      if (!path) {
        return Corruption(fmt::format("{}: add without a path", where));
      }
      add.path = *path;
      add.partition_values = PartitionValuesOf(body).value_or(PartitionValues{});
      add.size = OptionalInt(body, "size").value_or(0);
      add.modification_time = OptionalInt(body, "modificationTime").value_or(0);
      add.data_change = OptionalBool(body, "dataChange").value_or(true);
      add.stats = OptionalString(body, "stats");
      add.has_deletion_vector = !IsMissing(body, "deletionVector");
      adds.push_back(std::move(add));
    } else if (action == "remove") {
      RemoveFile remove;
      auto path = OptionalString(body, "path");
      if (!path) {
        return Corruption(fmt::format("{}: remove without a path", where));
      }
      remove.path = *path;
      remove.deletion_timestamp = OptionalInt(body, "deletionTimestamp");
      remove.data_change = OptionalBool(body, "dataChange").value_or(true);
      remove.extended_file_metadata = OptionalBool(body, "extendedFileMetadata");
      remove.partition_values = PartitionValuesOf(body);
      remove.size = OptionalInt(body, "size");
      removes.push_back(std::move(remove));
    } else if (action == "metaData") {
      Metadata meta;
      meta.id = OptionalString(body, "id").value_or("");
      meta.name = OptionalString(body, "name");
      meta.description = OptionalString(body, "description");
      auto format = body.find("format");
      if (format != body.end() && format->is_object()) {
        meta.format_provider = OptionalString(*format, "provider").value_or("parquet");
        meta.format_options = StringMap(*format, "options");
      }
      auto schema = OptionalString(body, "schemaString");
      if (!schema) {
        return Corruption(fmt::format("{}: metaData without a schemaString", where));
      }
      meta.schema_string = *schema;
      meta.partition_columns =
          StringList(body, "partitionColumns").value_or(std::vector<std::string>{});
      meta.configuration = StringMap(body, "configuration");
      meta.created_time = OptionalInt(body, "createdTime");
      metadata = std::move(meta);
    } else if (action == "protocol") {
      Protocol proto;
      auto reader = OptionalInt(body, "minReaderVersion");
      auto writer = OptionalInt(body, "minWriterVersion");
      if (!reader || !writer) {
        return Corruption(
            fmt::format("{}: protocol without minReaderVersion/minWriterVersion", where));
      }
      proto.min_reader_version = static_cast<int>(*reader);
      proto.min_writer_version = static_cast<int>(*writer);
      proto.reader_features = StringList(body, "readerFeatures");
      proto.writer_features = StringList(body, "writerFeatures");
      protocol = std::move(proto);
    } else if (action == "txn") {
      Transaction txn;
      auto app_id = OptionalString(body, "appId");
      auto version_field = OptionalInt(body, "version");
      if (!app_id || !version_field) {
        return Corruption(fmt::format("{}: txn without appId/version", where));
      }
      txn.app_id = *app_id;
      txn.version = *version_field;
      txn.last_updated = OptionalInt(body, "lastUpdated");
      transactions.push_back(std::move(txn));
    } else if (action == "commitInfo") {
      CommitInfo info;
      info.timestamp = OptionalInt(body, "timestamp");
      info.operation = OptionalString(body, "operation").value_or("");
      info.operation_parameters = StringMap(body, "operationParameters");
      info.operation_metrics = StringMap(body, "operationMetrics");
      info.read_version = OptionalInt(body, "readVersion");
      info.is_blind_append = OptionalBool(body, "isBlindAppend");
      info.isolation_level = OptionalString(body, "isolationLevel");
      info.engine_info = OptionalString(body, "engineInfo");
      info.txn_id = OptionalString(body, "txnId");
      commit_info = std::move(info);
    } else {
      other_actions.push_back(action);
    }
  }
  return Status::Ok();
}

Result<LogEntry> LogEntry::Parse(std::string_view text, std::string_view file) {
  LogEntry entry;
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    ++line_number;
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    json parsed;
    try {
      parsed = json::parse(line);
    } catch (const json::exception& error) {
      return Corruption(
          fmt::format("{} line {}: not valid JSON: {}", file, line_number, error.what()));
    }
    DHL_RETURN_IF_ERROR(entry.AddActions(parsed, fmt::format("{} line {}", file, line_number)));
  }
  return entry;
}

json ToJson(const AddFile& add) {
  json object = {{"path", add.path},
                 {"partitionValues", PartitionValuesJson(add.partition_values)},
                 {"size", add.size},
                 {"modificationTime", add.modification_time},
                 {"dataChange", add.data_change}};
  if (add.stats) {
    object["stats"] = *add.stats;
  }
  return object;
}

json ToJson(const RemoveFile& remove) {
  json object = {{"path", remove.path}};
  if (remove.deletion_timestamp) {
    object["deletionTimestamp"] = *remove.deletion_timestamp;
  }
  object["dataChange"] = remove.data_change;
  if (remove.extended_file_metadata) {
    object["extendedFileMetadata"] = *remove.extended_file_metadata;
  }
  if (remove.partition_values) {
    object["partitionValues"] = PartitionValuesJson(*remove.partition_values);
  }
  if (remove.size) {
    object["size"] = *remove.size;
  }
  return object;
}

json ToJson(const Metadata& metadata) {
  json object = {{"id", metadata.id}};
  if (metadata.name) {
    object["name"] = *metadata.name;
  }
  if (metadata.description) {
    object["description"] = *metadata.description;
  }
  object["format"] = {{"provider", metadata.format_provider},
                      {"options", StringMapJson(metadata.format_options)}};
  object["schemaString"] = metadata.schema_string;
  object["partitionColumns"] = metadata.partition_columns;
  object["configuration"] = StringMapJson(metadata.configuration);
  if (metadata.created_time) {
    object["createdTime"] = *metadata.created_time;
  }
  return object;
}

json ToJson(const Protocol& protocol) {
  json object = {{"minReaderVersion", protocol.min_reader_version},
                 {"minWriterVersion", protocol.min_writer_version}};
  if (protocol.reader_features) {
    object["readerFeatures"] = *protocol.reader_features;
  }
  if (protocol.writer_features) {
    object["writerFeatures"] = *protocol.writer_features;
  }
  return object;
}

json ToJson(const Transaction& transaction) {
  json object = {{"appId", transaction.app_id}, {"version", transaction.version}};
  if (transaction.last_updated) {
    object["lastUpdated"] = *transaction.last_updated;
  }
  return object;
}

json ToJson(const CommitInfo& info) {
  json object = json::object();
  if (info.timestamp) {
    object["timestamp"] = *info.timestamp;
  }
  object["operation"] = info.operation;
  object["operationParameters"] = StringMapJson(info.operation_parameters);
  if (info.read_version) {
    object["readVersion"] = *info.read_version;
  }
  if (info.isolation_level) {
    object["isolationLevel"] = *info.isolation_level;
  }
  if (info.is_blind_append) {
    object["isBlindAppend"] = *info.is_blind_append;
  }
  if (!info.operation_metrics.empty()) {
    object["operationMetrics"] = StringMapJson(info.operation_metrics);
  }
  if (info.engine_info) {
    object["engineInfo"] = *info.engine_info;
  }
  if (info.txn_id) {
    object["txnId"] = *info.txn_id;
  }
  return object;
}

std::string JsonText(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string LogEntry::Serialize() const {
  std::string text;
  auto append = [&text](const char* action, json body) {
    json line = json::object();
    line[action] = std::move(body);
    text += JsonText(line);
    text += '\n';
  };
  if (commit_info) {
    append("commitInfo", ToJson(*commit_info));
  }
  if (protocol) {
    append("protocol", ToJson(*protocol));
  }
  if (metadata) {
    append("metaData", ToJson(*metadata));
  }
  for (const auto& remove : removes) {
    append("remove", ToJson(remove));
  }
  for (const auto& add : adds) {
    append("add", ToJson(add));
  }
  for (const auto& txn : transactions) {
    append("txn", ToJson(txn));
  }
  return text;
}

}  // namespace dhl::lake
