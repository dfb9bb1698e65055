// Replaces personal values in DHIS2 records by their HMAC-SHA256 (hex, keyed with the secrets
// file's hash_key) before any file or table sees them. What counts as personal (PersonalDataRules):
// - tracked-entity attribute values (the `attributes` arrays of tracked entities, of their
//   enrollments, and of any nested object) of attributes DHIS2 marks confidential or the
//   configuration lists by uid or code; every attribute value when the attribute metadata is
//   missing
//   (`every_attribute`, privacy by default);
// - the text of notes (`notes[].value`);
// - user names: `storedBy` and `completedBy` (user names as text), and the names in the user
// objects
//   `createdBy`, `updatedBy`, `createdByUserInfo`, `updatedByUserInfo` and `assignedUser`
//   (`username`, `firstName`, `surname`, `displayName`, `name`; the user's uid is kept);
// - the values of event data elements the configuration lists (`dataValues[].value` where
//   `dataElement` is listed);
// - when the configuration asks (`geometry`), the `geometry` member of any object of the record.
// Records are walked to any depth: callers check the nesting depth first (json_depth.h). A value is
// hashed as its text (a JSON string's content, or another value's JSON). Thread-safe after
// construction.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"

namespace dhl::source {

struct PersonalDataRules {
  std::set<std::string> attributes;     // uids or codes of personal tracked-entity attributes
  bool every_attribute = false;         // no attribute metadata: every attribute value is personal
  std::set<std::string> data_elements;  // event data elements (uids) whose values are personal
  // The `geometry` of tracker records (events, enrollments, tracked entities: where a person was
  // seen or lives), hashed as the text of its GeoJSON; `[source] personal_geometry`.
  bool geometry = false;
  // `dhis2lake purge`: a personal value that already is a hash (IsPersonalDataHash) is kept, so a
  // purge over a partly hashed table, or a second purge, never hashes a value twice. Extraction
  // leaves it false: every value received is hashed, whatever it looks like.
  bool keep_hashed_values = false;
};

// True for a value the hasher writes: 64 lower-case hexadecimal digits (an HMAC-SHA256). A clear
// text value of that exact shape is taken for a hash by a purge (and left as it is).
bool IsPersonalDataHash(std::string_view value);

class PersonalDataHasher {
 public:
  PersonalDataHasher(std::string key, PersonalDataRules rules)
      : key_(std::move(key)), rules_(std::move(rules)) {}
  PersonalDataHasher(std::string key, std::set<std::string> personal_attributes)
      : PersonalDataHasher(std::move(key), PersonalDataRules{std::move(personal_attributes)}) {}

  // Hashes in place; returns how many values were replaced.
  int Apply(nlohmann::json& record) const;

  std::string Hash(const std::string& value) const;
  const std::set<std::string>& personal_uids() const { return rules_.attributes; }
  const PersonalDataRules& rules() const { return rules_; }

 private:
  int HashAttributes(nlohmann::json& attributes) const;
  int HashDataValues(nlohmann::json& data_values) const;
  int HashNotes(nlohmann::json& notes) const;
  int HashUser(nlohmann::json& user) const;
  // Replaces a non-null value by its hash; returns 1 when it did.
  int HashValue(nlohmann::json& value) const;

  std::string key_;
  PersonalDataRules rules_;
};

// Adds to `personal` the ids of the attributes in `list` (a trackedEntityAttributes list: objects
// with `id`, optional `code` and `confidential`) that are confidential or whose code `personal`
// already holds. Anything else than such a list (an attribute without a string id, a confidential
// flag that is not a boolean) is an InvalidArgument naming `where`: a silently dropped flag would
// land personal values unhashed.
Status AddConfidentialAttributes(const nlohmann::json& list, const std::string& where,
                                 std::set<std::string>& personal);

}  // namespace dhl::source
