#include "source/personal_data_hasher.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "base/hash.h"

namespace dhl::source {
namespace {

// Fields holding a user name as text.
constexpr std::array<std::string_view, 2> kUserNameFields = {"storedBy", "completedBy"};
// Fields holding a user object ({uid, username, firstName, surname, ...}) or, in older versions, a
// user name as text.
constexpr std::array<std::string_view, 5> kUserFields = {
    "createdBy", "updatedBy", "createdByUserInfo", "updatedByUserInfo", "assignedUser"};
// The names inside a user object.
constexpr std::array<std::string_view, 5> kUserObjectNames = {"username", "firstName", "surname",
                                                              "displayName", "name"};

template <size_t N>
bool IsOneOf(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::string_view candidate : names) {
    if (candidate == name) {
      return true;
    }
  }
  return false;
}

std::string StringField(const nlohmann::json& object, const char* name) {
  auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

}  // namespace

bool IsPersonalDataHash(std::string_view value) {
  constexpr size_t kHashDigits = 64;
  return value.size() == kHashDigits && std::all_of(value.begin(), value.end(), [](char digit) {
           return (digit >= '0' && digit <= '9') || (digit >= 'a' && digit <= 'f');
         });
}

std::string PersonalDataHasher::Hash(const std::string& value) const {
  return HmacSha256Hex(key_, value);
}

int PersonalDataHasher::HashValue(nlohmann::json& value) const {
  if (value.is_null()) {
    return 0;
  }
  if (rules_.keep_hashed_values && value.is_string() &&
      IsPersonalDataHash(value.get_ref<const std::string&>())) {
    return 0;
  }
  value = Hash(value.is_string() ? value.get<std::string>() : value.dump());
  return 1;
}

int PersonalDataHasher::HashAttributes(nlohmann::json& attributes) const {
  int replaced = 0;
  for (auto& attribute : attributes) {
    if (!attribute.is_object() || !attribute.contains("value")) {
      continue;
    }
    std::string uid = StringField(attribute, "attribute");
    if (uid.empty() && attribute.contains("trackedEntityAttribute") &&
        attribute["trackedEntityAttribute"].is_object()) {
      uid = attribute["trackedEntityAttribute"].value("id", "");
    }
    std::string code = StringField(attribute, "code");
    bool personal = rules_.every_attribute || rules_.attributes.count(uid) > 0 ||
                    (!code.empty() && rules_.attributes.count(code) > 0);
    if (personal) {
      replaced += HashValue(attribute["value"]);
    }
    replaced += Apply(attribute);  // user names of the value (storedBy, createdBy, ...)
  }
  return replaced;
}

int PersonalDataHasher::HashDataValues(nlohmann::json& data_values) const {
  int replaced = 0;
  for (auto& data_value : data_values) {
    if (!data_value.is_object()) {
      continue;
    }
    std::string data_element = StringField(data_value, "dataElement");
    if (!data_element.empty() && rules_.data_elements.count(data_element) > 0 &&
        data_value.contains("value")) {
      replaced += HashValue(data_value["value"]);
    }
    replaced += Apply(data_value);
  }
  return replaced;
}

int PersonalDataHasher::HashNotes(nlohmann::json& notes) const {
  int replaced = 0;
  for (auto& note : notes) {
    if (!note.is_object()) {
      continue;
    }
    if (note.contains("value")) {
      replaced += HashValue(note["value"]);
    }
    replaced += Apply(note);
  }
  return replaced;
}

int PersonalDataHasher::HashUser(nlohmann::json& user) const {
  if (!user.is_object()) {
    return user.is_string() ? HashValue(user) : 0;
  }
  int replaced = 0;
  for (auto& [name, value] : user.items()) {
    if (IsOneOf(kUserObjectNames, name) && value.is_string()) {
      replaced += HashValue(value);
    }
  }
  return replaced;
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
      replaced += HashAttributes(value);
    } else if (name == "dataValues" && value.is_array()) {
      replaced += HashDataValues(value);
    } else if (name == "notes" && value.is_array()) {
      replaced += HashNotes(value);
    } else if (IsOneOf(kUserNameFields, name) && value.is_string()) {
      replaced += HashValue(value);
    } else if (IsOneOf(kUserFields, name)) {
      replaced += HashUser(value);
    } else if (name == "geometry" && rules_.geometry) {
      replaced += HashValue(value);
    } else if (value.is_object() || value.is_array()) {
      replaced += Apply(value);
    }
  }
  return replaced;
}

Status AddConfidentialAttributes(const nlohmann::json& list, const std::string& where,
                                 std::set<std::string>& personal) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument(
        where + " (the confidential flags that say which attribute values to hash): " + why +
        "; nothing was extracted");
  };
  if (!list.is_array()) {
    return bad("the answer has no trackedEntityAttributes list");
  }
  for (const auto& attribute : list) {
    if (!attribute.is_object() || !attribute.contains("id") || !attribute["id"].is_string()) {
      return bad("an attribute without a string id");
    }
    std::string id = attribute["id"].get<std::string>();
    auto confidential = attribute.find("confidential");
    if (confidential != attribute.end() && !confidential->is_boolean()) {
      return bad("attribute " + id + " has a confidential flag that is not true or false");
    }
    std::string code = StringField(attribute, "code");
    if ((confidential != attribute.end() && confidential->get<bool>()) ||
        (!code.empty() && personal.count(code) > 0)) {
      personal.insert(id);
    }
  }
  return Status::Ok();
}

}  // namespace dhl::source
