// Prints a query result as the contract says: `table` (aligned columns for people), `csv` (RFC 4180,
// a header line then the rows) or `json` (one JSON object per row, one per line).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "base/status.h"
#include "engine/connection.h"

namespace dhl::cli {

enum class OutputFormat { kTable, kCsv, kJson };

Result<OutputFormat> ParseOutputFormat(std::string_view text);

void PrintResult(const engine::QueryResult& result, OutputFormat format, std::FILE* out);

// The CSV field for `text`, quoted when it holds a comma, quote, CR or LF (RFC 4180).
std::string CsvField(std::string_view text);

}  // namespace dhl::cli
