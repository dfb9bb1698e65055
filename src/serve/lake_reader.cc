#include "serve/lake_reader.h"

#include <cctype>

#include "sql/literal.h"

namespace dhl::serve::analytics {

Result<std::optional<engine::QueryResult>> LakeReader::Read(const lake::TableName& table,
                                                            const std::string& sql) {
  if (!Has(table)) {
    return std::optional<engine::QueryResult>();
  }
  AddUnique(read_, table);
  DHL_ASSIGN_OR_RETURN(engine::QueryResult result, connection_.Query(sql));
  return std::optional<engine::QueryResult>(std::move(result));
}

bool LakeReader::Uses(const lake::TableName& table) {
  if (!Has(table)) {
    return false;
  }
  Note(table);
  return true;
}

void LakeReader::Note(const lake::TableName& table) { AddUnique(read_, table); }

bool IsUid(std::string_view text) {
  if (text.size() != 11 || !std::isalpha(static_cast<unsigned char>(text[0]))) {
    return false;
  }
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

std::string InList(const std::vector<std::string>& values) {
  std::string text = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    text += (i == 0 ? "" : ", ") + sql::StringLiteral(values[i]);
  }
  return text + ")";
}

std::string Text(const engine::QueryResult& result, size_t column, size_t row) {
  return result.GetString(column, row).value_or("");
}

}  // namespace dhl::serve::analytics
