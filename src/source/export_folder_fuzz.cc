// libFuzzer entry for what bronze reads from an export folder's files (and a server's pages): the
// first byte picks the form, the rest is the file.
// - JSON: parsed, depth-checked (json_depth.h), the records collected at every path an export
//   folder uses, and each record hashed (every attribute, notes, user names, a listed data element)
//   and printed. Must never crash or recurse without bound; after hashing no attribute value of a
//   collected record may still be its clear text.
// - CSV: the header's columns; every one found must be a JSON name CsvNames knows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "source/json_depth.h"
#include "source/page_records.h"
#include "source/personal_data_hasher.h"

namespace {

void Check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

// The record paths of an export folder's JSON files (export_folder_source.cc).
constexpr const char* kPaths[] = {"dataValues",
                                  "completeDataSetRegistrations",
                                  "trackedEntities",
                                  "trackedEntities[].relationships",
                                  "trackedEntities[].enrollments",
                                  "trackedEntities[].enrollments[].events",
                                  "enrollments",
                                  "enrollments[].events",
                                  "events",
                                  "relationships"};

void FuzzJson(std::string_view text) {
  nlohmann::json page = nlohmann::json::parse(text, nullptr, false);
  if (page.is_discarded() || !dhl::source::CheckJsonDepth(page, "fuzz").ok()) {
    return;
  }
  static const dhl::source::PersonalDataHasher hasher(
      std::string(32, 'k'),
      dhl::source::PersonalDataRules{.every_attribute = true, .data_elements = {"a"}});
  for (const char* path : kPaths) {
    std::vector<nlohmann::json> records;
    dhl::source::CollectRecords(page, path, nullptr, &records);
    for (nlohmann::json& record : records) {
      std::vector<std::string> clear;
      if (record.is_object() && record.contains("attributes") && record["attributes"].is_array()) {
        for (const auto& attribute : record["attributes"]) {
          if (attribute.is_object() && attribute.contains("value") &&
              attribute["value"].is_string()) {
            clear.push_back(attribute["value"].get<std::string>());
          }
        }
      }
      hasher.Apply(record);
      Check(!record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).empty());
      if (!clear.empty()) {
        for (const auto& attribute : record["attributes"]) {
          if (attribute.is_object() && attribute.contains("value") &&
              attribute["value"].is_string()) {
            Check(attribute["value"].get<std::string>().size() == 64);
          }
        }
      }
    }
  }
}

void FuzzCsv(std::string_view text) {
  bool has_rows = false;
  std::set<std::string> known;
  for (const auto& [csv_name, json_name] : dhl::source::CsvNames()) {
    known.insert(json_name);
  }
  for (const auto& [json_name, written] : dhl::source::CsvHeaderColumns(text, &has_rows)) {
    Check(known.count(json_name) > 0);
    Check(written.find(',') == std::string::npos && written.find('"') == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    FuzzJson(text);
  } else {
    FuzzCsv(text);
  }
  return 0;
}
