#include "cli/config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>

#include "engine/memory_limit.h"

namespace dhl::cli {
namespace {
constexpr const char* kDefaultConfigFile = "dhis2lake.toml";

// `[gold]`: the generator settings. An unknown key or a value of the wrong type is an error naming
// the file and the key (a misspelt setting silently ignored would compute other figures).
Status ReadGoldSettings(const toml::table& file, const std::string& path,
                        pipeline::GeneratorSettings& settings) {
  const toml::table* gold = file["gold"].as_table();
  if (gold == nullptr) return Status::Ok();
  auto where = [&](std::string_view key) { return path + ": [gold] " + std::string(key); };
  auto strings = [&](const toml::node& node, std::string_view key,
                     std::vector<std::string>& out) -> Status {
    const toml::array* array = node.as_array();
    if (array == nullptr) return InvalidArgument(where(key) + ": expected a list of strings");
    out.clear();
    for (const toml::node& item : *array) {
      auto text = item.value<std::string>();
      if (!text) return InvalidArgument(where(key) + ": expected a list of strings");
      out.push_back(*text);
    }
    return Status::Ok();
  };
  for (const auto& [key_node, node] : *gold) {
    std::string_view key = key_node.str();
    if (key == "aggregate_period_types") {
      DHL_RETURN_IF_ERROR(strings(node, key, settings.aggregate.period_types));
    } else if (key == "indicator_period_types") {
      DHL_RETURN_IF_ERROR(strings(node, key, settings.indicator.period_types));
    } else if (key == "program_indicator_period_types") {
      DHL_RETURN_IF_ERROR(strings(node, key, settings.program_indicator.period_types));
    } else if (key == "data_set_period_types" || key == "include_zero_values_in_analytics" ||
               key == "every_option_grain" || key == "predictions_replace_stored") {
      auto flag = node.value<bool>();
      if (!flag || !node.is_boolean())
        return InvalidArgument(where(key) + ": expected true or false");
      (key == "data_set_period_types" ? settings.aggregate.data_set_period_types
       : key == "include_zero_values_in_analytics"
           ? settings.aggregate.include_zero_values_in_analytics
       : key == "every_option_grain" ? settings.aggregate.every_option_grain
                                     : settings.predictor.replace_stored) = *flag;
    } else if (key == "hierarchy") {
      auto text = node.value<std::string>();
      if (!text) return InvalidArgument(where(key) + ": expected \"current\" or \"as_of_period\"");
      auto hierarchy = pipeline::ParseHierarchy(*text);
      if (!hierarchy.ok()) return hierarchy.status().WithContext(where(key));
      settings.hierarchy = *hierarchy;
    } else if (key == "server_version") {
      auto text = node.value<std::string>();
      if (!text) return InvalidArgument(where(key) + ": expected a string such as \"2.41.0\"");
      settings.quality.server_version = *text;
    } else if (key == "outlier_z_threshold" || key == "outlier_modified_z_threshold") {
      auto number = node.value<double>();
      if (!number || !(node.is_floating_point() || node.is_integer())) {
        return InvalidArgument(where(key) + ": expected a number");
      }
      (key == "outlier_z_threshold" ? settings.quality.z_threshold
                                    : settings.quality.modified_z_threshold) = *number;
    } else if (key == "predictor_years") {
      auto years = node.value<int64_t>();
      if (!years || !node.is_integer()) {
        return InvalidArgument(where(key) + ": expected an integer");
      }
      settings.predictor.years = static_cast<int>(*years);
    } else if (key == "predictor_level_placeholders") {
      const toml::table* table = node.as_table();
      if (table == nullptr) {
        return InvalidArgument(where(key) +
                               ": expected a table such as { \"<OU_LEVEL_FACILITY_UID>\" = 4 }");
      }
      settings.predictor.level_placeholders.clear();
      for (const auto& [name, level] : *table) {
        auto number = level.value<int64_t>();
        if (!number || !level.is_integer()) {
          return InvalidArgument(where(key) + "." + std::string(name.str()) +
                                 ": expected a level number");
        }
        settings.predictor.level_placeholders[std::string(name.str())] = static_cast<int>(*number);
      }
    } else if (key == "dq_district_level") {
      auto level = node.value<int64_t>();
      if (!level || !node.is_integer())
        return InvalidArgument(where(key) + ": expected an integer");
      settings.quality.district_level = static_cast<int>(*level);
    } else {
      return InvalidArgument(where(key) + ": unknown setting");
    }
  }
  return pipeline::ValidateSettings(settings).WithContext(path + ": [gold]");
}

}  // namespace

Result<Config> LoadConfig(const GlobalFlags& flags) {
  Config config;
  std::string path;
  if (flags.config_file) {
    path = *flags.config_file;
    if (!std::filesystem::exists(path)) {
      return NotFound("configuration file " + path + " does not exist");
    }
  } else if (std::filesystem::exists(kDefaultConfigFile)) {
    path = kDefaultConfigFile;
  }
  std::optional<std::string> level_text;
  std::optional<std::string> format_text;
  std::optional<std::string> memory_text;
  std::string memory_source = "--memory-limit";
  if (!path.empty()) {
    config.config_file = path;
    toml::table table;
    // Debian's toml++ is built with exceptions: this is the one place that calls it.
    try {
      table = toml::parse_file(path);
    } catch (const toml::parse_error& error) {
      return InvalidArgument("configuration file " + path + ", line " +
                             std::to_string(error.source().begin.line) + ": " +
                             std::string(error.description()));
    }
    if (auto lake = table["lake"]["path"].value<std::string>()) {
      config.lake_dir = *lake;
    }
    level_text = table["log"]["level"].value<std::string>();
    format_text = table["log"]["format"].value<std::string>();
    memory_text = table["engine"]["memory_limit"].value<std::string>();
    memory_source = path + ": [engine] memory_limit";
    DHL_RETURN_IF_ERROR(ReadGoldSettings(table, path, config.settings));
  }
  if (const char* env = std::getenv("DHIS2LAKE_MEMORY_LIMIT"); env != nullptr && *env != '\0') {
    memory_text = env;
    memory_source = "DHIS2LAKE_MEMORY_LIMIT";
  }
  if (flags.memory_limit) {
    memory_text = flags.memory_limit;
    memory_source = "--memory-limit";
  }
  config.memory_limit_bytes = engine::DefaultMemoryLimitBytes();
  if (memory_text) {
    Result<int64_t> bytes = engine::ParseMemorySize(*memory_text);
    if (!bytes.ok()) return bytes.status().WithContext(memory_source);
    config.memory_limit_bytes = *bytes;
  }
  if (flags.lake_dir) {
    config.lake_dir = *flags.lake_dir;
  }
  if (flags.log_level) {
    level_text = flags.log_level;
  }
  if (flags.log_format) {
    format_text = flags.log_format;
  }
  if (level_text) {
    DHL_ASSIGN_OR_RETURN(config.log_level, ParseLogLevel(*level_text));
  }
  if (format_text) {
    DHL_ASSIGN_OR_RETURN(config.log_format, ParseLogFormat(*format_text));
  }
  return config;
}

}  // namespace dhl::cli
