// Prints a query result as the contract says: `table` (aligned columns for people), `csv` (RFC
// 4180, a header line then the rows) or `json` (one JSON object per row, one per line).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/text.h"
#include "engine/connection.h"

namespace dhl::cli {

enum class OutputFormat { kTable, kCsv, kJson };

Result<OutputFormat> ParseOutputFormat(std::string_view text);

void PrintResult(const engine::QueryResult& result, OutputFormat format, std::FILE* out);

// The CSV field for `text` (base/text.h's, named here for the printer's callers).
using ::dhl::CsvField;

}  // namespace dhl::cli
