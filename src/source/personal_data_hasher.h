// Replaces the values of personal tracked-entity attributes by their HMAC-SHA256 (hex, keyed with
// the secrets file's hash_key) wherever a record carries them: the `attributes` arrays of tracked
// entities, of their enrollments, and of any nested object. An attribute is personal when DHIS2
// marks it confidential or the configuration lists its uid or code. Thread-safe after construction.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace dhl::source {

class PersonalDataHasher {
 public:
  PersonalDataHasher(std::string key, std::set<std::string> personal_uids)
      : key_(std::move(key)), personal_uids_(std::move(personal_uids)) {}

  // Hashes in place; returns how many values were replaced.
  int Apply(nlohmann::json& record) const;

  std::string Hash(const std::string& value) const;
  const std::set<std::string>& personal_uids() const { return personal_uids_; }

 private:
  std::string key_;
  std::set<std::string> personal_uids_;
};

}  // namespace dhl::source
