#include "source/personal_data_hasher.h"

#include "base/hash.h"

namespace dhl::source {

std::string PersonalDataHasher::Hash(const std::string& value) const {
  return HmacSha256Hex(key_, value);
}

int PersonalDataHasher::Apply(nlohmann::json& record) const {
  int replaced = 0;
  if (record.is_array()) {
    for (auto& item : record) {
      replaced += Apply(item);
    }
    return replaced;
  }
  if (!record.is_object()) {
    return 0;
  }
  for (auto& [name, value] : record.items()) {
    if (name == "attributes" && value.is_array()) {
      for (auto& attribute : value) {
        if (!attribute.is_object() || !attribute.contains("value")) {
          continue;
        }
        std::string uid;
        if (attribute.contains("attribute") && attribute["attribute"].is_string()) {
          uid = attribute["attribute"].get<std::string>();
        } else if (attribute.contains("trackedEntityAttribute") &&
                   attribute["trackedEntityAttribute"].is_object()) {
          uid = attribute["trackedEntityAttribute"].value("id", "");
        }
        bool personal = personal_uids_.count(uid) > 0 ||
                        (attribute.contains("code") && attribute["code"].is_string() &&
                         personal_uids_.count(attribute["code"].get<std::string>()) > 0);
        if (personal && !attribute["value"].is_null()) {
          std::string clear = attribute["value"].is_string() ? attribute["value"].get<std::string>()
                                                             : attribute["value"].dump();
          attribute["value"] = Hash(clear);
          ++replaced;
        }
      }
    } else if (value.is_object() || value.is_array()) {
      replaced += Apply(value);
    }
  }
  return replaced;
}

}  // namespace dhl::source
