// How much memory the embedded engine may hold: the `--memory-limit SIZE` flag, the
// DHIS2LAKE_MEMORY_LIMIT environment variable and `[engine] memory_limit` all take the same text,
// and a command that runs models or serves opens its engine with the result (spilling under
// `<lake>/_system/tmp/`, shared/DESIGN.md). DuckDB's own default (80% of RAM) leaves nothing for
// the rest of the process or the machine's other work, so ours is a smaller share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "engine/database.h"

namespace dhl::engine {

// The machine's physical memory in bytes (0 when the system does not say).
int64_t PhysicalMemoryBytes();

// Half of the physical memory, at least 1 GiB (the default when nothing is configured).
int64_t DefaultMemoryLimitBytes();

// "4GB", "4 GiB", "512MB", "1.5GiB", "2000000000" (bytes), "50%" (of the physical memory).
// Units as DuckDB's: B, KB/MB/GB/TB (powers of 1000), KiB/MiB/GiB/TiB (powers of 1024), any case.
// InvalidArgument naming the text and the reason for anything else, and for less than 16 MiB
// (too little for the engine to open a Parquet file).
Result<int64_t> ParseMemorySize(std::string_view text);

// "3.5 GiB" style text for people (error messages, summaries).
std::string FormatMemorySize(int64_t bytes);

// The options of an engine that runs models over the lake at `lake_dir`: `memory_limit_bytes`
// (0 = DefaultMemoryLimitBytes()), spill folder `<lake_dir>/_system/tmp`, insertion order not
// preserved (model results are sets; readers that want an order say ORDER BY).
DatabaseOptions ModelEngineOptions(const std::string& lake_dir, int64_t memory_limit_bytes);

// The temporary-file folder of the lake at `lake_dir`: `<lake_dir>/_system/tmp`. Processes work
// in a folder of their own under it (engine::SpillFolder), set as the engine's temp_directory.
std::string SpillDirectory(const std::string& lake_dir);

}  // namespace dhl::engine
