#include "cli/config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>

#include "engine/memory_limit.h"

namespace dhl::cli {
namespace {
constexpr const char* kDefaultConfigFile = "dhis2lake.toml";
}

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
