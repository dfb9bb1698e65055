#include "source/page_records.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>

#include "source/invalid_utf8.h"
#include "source/json_depth.h"

namespace dhl::source {
namespace {

// Room for simdjson's padding after the text (its SIMD loads may read past the end).
simdjson::padded_string_view Padded(std::string& text) {
  text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  return simdjson::padded_string_view(text.data(), text.size(), text.capacity());
}

std::string_view TrimJsonSpace(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// A member's value as ListedMembers holds it.
simdjson::error_code ListedValue(simdjson::ondemand::value value,
                                 std::optional<std::string_view>* out) {
  simdjson::ondemand::json_type type;
  if (auto error = value.type().get(type)) {
    return error;
  }
  std::string_view text;
  switch (type) {
    case simdjson::ondemand::json_type::null:
      *out = std::nullopt;
      return simdjson::SUCCESS;
    case simdjson::ondemand::json_type::string:
      if (auto error = value.get_string().get(text)) {
        return error;
      }
      break;
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object object;
      if (auto error = value.get_object().get(object)) {
        return error;
      }
      if (auto error = object.raw_json().get(text)) {
        return error;
      }
      break;
    }
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array array;
      if (auto error = value.get_array().get(array)) {
        return error;
      }
      if (auto error = array.raw_json().get(text)) {
        return error;
      }
      break;
    }
    default:  // a number or a boolean: its token as written
      text = value.raw_json_token();
      break;
  }
  *out = TrimJsonSpace(text);
  return simdjson::SUCCESS;
}

}  // namespace

Status CheckJsonText(std::string& text, const std::string& what) {
  simdjson::dom::parser parser;
  if (parser.allocate(text.size(), kMaxJsonDepth) != simdjson::SUCCESS) {
    return Internal(what + ": cannot allocate the JSON parser");
  }
  simdjson::dom::element root;
  simdjson::error_code error = parser.parse(Padded(text)).get(root);
  if (error == simdjson::SUCCESS) {
    return Status::Ok();
  }
  if (error == simdjson::DEPTH_ERROR) {
    return JsonTooDeep(what, kMaxJsonDepth);
  }
  DHL_RETURN_IF_ERROR(CheckUtf8(text, what));
  return Corruption(
      fmt::format("{}: not complete JSON ({})", what, simdjson::error_message(error)));
}

Status ForEachListedRecord(
    std::string& text, std::string_view key, const std::vector<std::string>& members,
    const std::function<Status(const ListedMembers& values, std::string_view record)>& on_record,
    const std::string& what) {
  auto failed = [&](simdjson::error_code error) {
    return Corruption(fmt::format("{}: {}", what, simdjson::error_message(error)));
  };
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document document;
  if (auto error = parser.iterate(Padded(text)).get(document)) {
    return failed(error);
  }
  simdjson::ondemand::json_type root_type;
  if (auto error = document.type().get(root_type)) {
    return failed(error);
  }
  simdjson::ondemand::array list;
  if (root_type == simdjson::ondemand::json_type::array) {
    if (!key.empty()) {
      return Status::Ok();
    }
    if (auto error = document.get_array().get(list)) {
      return failed(error);
    }
  } else if (root_type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object root;
    if (auto error = document.get_object().get(root)) {
      return failed(error);
    }
    // The named list, else `instances` (tracker lists before 2.41), as CollectRecords reads.
    bool found = false;
    for (std::string_view name : {key, std::string_view("instances")}) {
      simdjson::ondemand::value value;
      simdjson::error_code error = root.find_field_unordered(name).get(value);
      if (error == simdjson::NO_SUCH_FIELD) {
        continue;
      }
      if (error) {
        return failed(error);
      }
      simdjson::ondemand::json_type type;
      if (auto type_error = value.type().get(type)) {
        return failed(type_error);
      }
      if (type != simdjson::ondemand::json_type::array) {
        continue;
      }
      if (auto array_error = value.get_array().get(list)) {
        return failed(array_error);
      }
      found = true;
      break;
    }
    if (!found) {
      return Status::Ok();
    }
  } else {
    return Status::Ok();
  }
  ListedMembers values(members.size());
  for (auto item : list) {
    simdjson::ondemand::object record;
    simdjson::ondemand::json_type type;
    if (auto error = item.type().get(type)) {
      return failed(error);
    }
    if (type != simdjson::ondemand::json_type::object) {
      continue;
    }
    if (auto error = item.get_object().get(record)) {
      return failed(error);
    }
    std::string_view record_text;
    if (auto error = record.raw_json().get(record_text)) {
      return failed(error);
    }
    if (auto error = record.reset().error()) {
      return failed(error);
    }
    std::fill(values.begin(), values.end(), std::nullopt);
    for (auto field : record) {
      std::string_view name;
      if (auto error = field.unescaped_key().get(name)) {
        return failed(error);
      }
      auto member = std::find(members.begin(), members.end(), name);
      if (member == members.end()) {
        continue;  // skipped unread
      }
      // A repeated member: the last one holds, as in nlohmann::json.
      if (auto error = ListedValue(field.value(), &values[member - members.begin()])) {
        return failed(error);
      }
    }
    DHL_RETURN_IF_ERROR(on_record(values, TrimJsonSpace(record_text)));
  }
  return Status::Ok();
}

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
