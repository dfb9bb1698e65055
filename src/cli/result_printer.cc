#include "cli/result_printer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

namespace dhl::cli {
namespace {

constexpr size_t kMaxTableCellWidth = 60;

// Width in terminal columns, counting UTF-8 code points.
size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) {
      ++width;
    }
  }
  return width;
}

std::string Truncate(const std::string& text) {
  if (DisplayWidth(text) <= kMaxTableCellWidth) {
    return text;
  }
  std::string out;
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (width == kMaxTableCellWidth - 1) {
        break;
      }
      ++width;
    }
    out += text[i];
  }
  return out + "…";
}

nlohmann::json JsonCell(const engine::QueryResult& result, size_t column, size_t row) {
  if (result.IsNull(column, row)) {
    return nullptr;
  }
  switch (result.column_kind(column)) {
    case engine::ColumnKind::kBoolean:
      return *result.GetBool(column, row);
    case engine::ColumnKind::kInteger:
      return *result.GetInt64(column, row);
    case engine::ColumnKind::kNumber: {
      double value = *result.GetDouble(column, row);
      if (!std::isfinite(value)) {
        return *result.GetString(column, row);  // JSON has no NaN or infinity
      }
      return value;
    }
    case engine::ColumnKind::kOther:
      break;
  }
  return *result.GetString(column, row);
}

void PrintTable(const engine::QueryResult& result, std::FILE* out) {
  size_t columns = result.column_count();
  size_t rows = result.row_count();
  std::vector<std::vector<std::string>> cells(rows, std::vector<std::string>(columns));
  std::vector<size_t> widths(columns);
  std::vector<bool> numeric(columns);
  for (size_t c = 0; c < columns; ++c) {
    widths[c] = DisplayWidth(result.column_name(c));
    numeric[c] = result.column_kind(c) == engine::ColumnKind::kInteger ||
                 result.column_kind(c) == engine::ColumnKind::kNumber;
  }
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < columns; ++c) {
      cells[r][c] = Truncate(result.GetString(c, r).value_or("NULL"));
      widths[c] = std::max(widths[c], DisplayWidth(cells[r][c]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& row, bool header) {
    std::string line;
    for (size_t c = 0; c < columns; ++c) {
      if (c > 0) {
        line += " | ";
      }
      size_t pad = widths[c] - DisplayWidth(row[c]);
      if (numeric[c] && !header) {
        line += std::string(pad, ' ') + row[c];
      } else {
        line += row[c] + std::string(pad, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    fmt::print(out, "{}\n", line);
  };
  std::vector<std::string> header(columns);
  for (size_t c = 0; c < columns; ++c) {
    header[c] = result.column_name(c);
  }
  print_row(header, true);
  std::string rule;
  for (size_t c = 0; c < columns; ++c) {
    if (c > 0) {
      rule += "-+-";
    }
    rule += std::string(widths[c], '-');
  }
  fmt::print(out, "{}\n", rule);
  for (const auto& row : cells) {
    print_row(row, false);
  }
  fmt::print(out, "({} row{})\n", rows, rows == 1 ? "" : "s");
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "table") {
    return OutputFormat::kTable;
  }
  if (text == "csv") {
    return OutputFormat::kCsv;
  }
  if (text == "json") {
    return OutputFormat::kJson;
  }
  return InvalidArgument("unknown output format \"" + std::string(text) +
                         "\" (expected table, csv or json)");
}

void PrintResult(const engine::QueryResult& result, OutputFormat format, std::FILE* out) {
  size_t columns = result.column_count();
  size_t rows = result.row_count();
  switch (format) {
    case OutputFormat::kTable:
      PrintTable(result, out);
      return;
    case OutputFormat::kCsv: {
      std::string line;
      for (size_t c = 0; c < columns; ++c) {
        line += (c > 0 ? "," : "") + CsvField(result.column_name(c));
      }
      fmt::print(out, "{}\n", line);
      for (size_t r = 0; r < rows; ++r) {
        line.clear();
        for (size_t c = 0; c < columns; ++c) {
          if (c > 0) {
            line += ',';
          }
          std::optional<std::string> cell = result.GetString(c, r);
          if (cell) {
            line += CsvField(*cell);
          }
        }
        fmt::print(out, "{}\n", line);
      }
      return;
    }
    case OutputFormat::kJson: {
      std::vector<std::string> names(columns);
      for (size_t c = 0; c < columns; ++c) {
        names[c] = result.column_name(c);
      }
      for (size_t r = 0; r < rows; ++r) {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (size_t c = 0; c < columns; ++c) {
          object[names[c]] = JsonCell(result, c, r);
        }
        fmt::print(out, "{}\n",
                   object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
      return;
    }
  }
}

}  // namespace dhl::cli
