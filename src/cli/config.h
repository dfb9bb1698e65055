// The configuration of one invocation, merged from (highest first) command-line flags, the
// environment, the configuration file (`--config FILE`, default ./dhis2lake.toml when it exists)
// and defaults. Credentials never come from flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/logging.h"
#include "base/status.h"
#include "pipeline/generator_settings.h"

namespace dhl::cli {

// What the global flags said; unset fields fall through to the next source.
struct GlobalFlags {
  std::optional<std::string> lake_dir;
  std::optional<std::string> config_file;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
  std::optional<std::string> memory_limit;  // --memory-limit SIZE
};

struct Config {
  std::string lake_dir = "./lake";
  std::string config_file;  // the file that was read, empty if none
  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kText;
  // Bytes the embedded engine may hold (engine/memory_limit.h): --memory-limit, then
  // DHIS2LAKE_MEMORY_LIMIT, then `[engine] memory_limit`, then half the machine's memory.
  int64_t memory_limit_bytes = 0;
  // What gold's generators render (`[gold]`, pipeline/generator_settings.h); checked on load.
  pipeline::GeneratorSettings settings;
};

// Reads the configuration file (if any) and applies the flags over it. An explicitly named file
// that does not exist or does not parse is an error naming the file, line and reason.
Result<Config> LoadConfig(const GlobalFlags& flags);

}  // namespace dhl::cli
