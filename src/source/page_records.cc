#include "source/page_records.h"

#include <cctype>

namespace dhl::source {

const std::map<std::string, std::string>& CsvNames() {
  static const std::map<std::string, std::string> kNames = {
      {"dataelement", "dataElement"},
      {"period", "period"},
      {"orgunit", "orgUnit"},
      {"catoptcombo", "categoryOptionCombo"},
      {"categoryoptioncombo", "categoryOptionCombo"},
      {"attroptcombo", "attributeOptionCombo"},
      {"attributeoptioncombo", "attributeOptionCombo"},
      {"value", "value"},
      {"storedby", "storedBy"},
      {"created", "created"},
      {"lastupdated", "lastUpdated"},
      {"comment", "comment"},
      {"followup", "followup"},
      {"deleted", "deleted"},
  };
  return kNames;
}

void CollectRecords(const nlohmann::json& node, std::string_view path, const nlohmann::json* parent,
                    std::vector<nlohmann::json>* out) {
  size_t dot = path.find("[].");
  std::string key(dot == std::string_view::npos ? path : path.substr(0, dot));
  const nlohmann::json* list = nullptr;
  if (key.empty() && node.is_array()) {
    list = &node;
  } else if (node.is_object() && node.contains(key) && node[key].is_array()) {
    list = &node[key];
  } else if (node.is_object() && node.contains("instances") && node["instances"].is_array() &&
             parent == nullptr) {
    list = &node["instances"];  // tracker lists before 2.41
  }
  if (list == nullptr) {
    return;
  }
  for (const auto& item : *list) {
    if (dot == std::string_view::npos) {
      nlohmann::json record = item;
      if (parent != nullptr && record.is_object()) {
        for (const char* parent_key : {"trackedEntity", "enrollment", "program"}) {
          if (!record.contains(parent_key) && parent->contains(parent_key)) {
            record[parent_key] = (*parent)[parent_key];
          }
        }
      }
      out->push_back(std::move(record));
    } else {
      CollectRecords(item, path.substr(dot + 3), &item, out);
    }
  }
}

std::map<std::string, std::string> CsvHeaderColumns(std::string_view head, bool* has_rows) {
  size_t end = head.find('\n');
  *has_rows = end != std::string_view::npos &&
              head.find_first_not_of(" \r\n", end) != std::string_view::npos;
  std::string header(head.substr(0, end));
  if (!header.empty() && header.back() == '\r') {
    header.pop_back();
  }
  std::map<std::string, std::string> present;  // JSON name -> CSV column as written
  if (header.empty()) {
    return present;
  }
  size_t start = 0;
  while (true) {
    size_t comma = header.find(',', start);
    std::string name =
        header.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::string original;
    std::string lower;
    for (char c : name) {
      if (c != '"') {
        original += c;
        if (c != ' ') {
          lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
      }
    }
    auto mapped = CsvNames().find(lower);
    if (mapped != CsvNames().end()) {
      present[mapped->second] = original;
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return present;
}

}  // namespace dhl::source
