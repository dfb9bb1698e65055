#include "source/extraction_plan.h"

#include <nlohmann/json.hpp>

namespace dhl::source {

std::string ExtractionPlan::ToJson() const {
  nlohmann::json json = {{"run_id", run_id},
                         {"resource", resource},
                         {"source", source},
                         {"server_version", server_version},
                         {"server_time_zone", server_time_zone},
                         {"watermark", watermark},
                         {"since", since},
                         {"created_at", created_at},
                         {"append_unchanged", append_unchanged}};
  nlohmann::json list = nlohmann::json::array();
  for (const Chunk& chunk : chunks) {
    nlohmann::json params = nlohmann::json::array();
    for (const auto& [name, value] : chunk.params) {
      params.push_back({name, value});
    }
    list.push_back({{"sequence", chunk.sequence},
                    {"id", chunk.id},
                    {"table", chunk.table},
                    {"path", chunk.path},
                    {"params", params},
                    {"format", chunk.format == ChunkFormat::kCsv ? "csv" : "json"},
                    {"records_key", chunk.records_key},
                    {"paged", chunk.paged},
                    {"file", chunk.file},
                    {"snapshot", chunk.snapshot}});
  }
  json["chunks"] = list;
  return json.dump(1);
}

Result<ExtractionPlan> ExtractionPlan::FromJson(std::string_view text, std::string_view name) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object() || !json.contains("chunks") || !json["chunks"].is_array()) {
    return Corruption("plan " + std::string(name) + " is not a plan.json");
  }
  ExtractionPlan plan;
  try {
    plan.run_id = json.at("run_id").get<std::string>();
    plan.resource = json.at("resource").get<std::string>();
    plan.source = json.value("source", "");
    plan.server_version = json.value("server_version", "");
    plan.server_time_zone = json.value("server_time_zone", "Etc/UTC");
    plan.watermark = json.value("watermark", "");
    plan.since = json.value("since", "");
    plan.created_at = json.value("created_at", "");
    plan.append_unchanged = json.value("append_unchanged", false);
    for (const auto& item : json["chunks"]) {
      Chunk chunk;
      chunk.sequence = item.at("sequence").get<int64_t>();
      chunk.id = item.at("id").get<std::string>();
      chunk.table = item.at("table").get<std::string>();
      chunk.path = item.value("path", "");
      for (const auto& pair : item.at("params")) {
        chunk.params.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
      }
      chunk.format = item.value("format", "json") == "csv" ? ChunkFormat::kCsv : ChunkFormat::kJson;
      chunk.records_key = item.value("records_key", "");
      chunk.paged = item.value("paged", false);
      chunk.file = item.value("file", "");
      chunk.snapshot = item.value("snapshot", false);
      plan.chunks.push_back(std::move(chunk));
    }
  } catch (const nlohmann::json::exception& error) {
    return Corruption("plan " + std::string(name) + ": " + error.what());
  }
  return plan;
}

}  // namespace dhl::source
