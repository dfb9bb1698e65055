// The country's metadata as DHIS2 serves it: one JSON object per metadata object, under DHIS2's
// collection names ("organisationUnits", "dataElements", "categoryOptionCombos", ...), with DHIS2's
// field names and types; references to other objects are {"id": uid} objects. Lists are sorted by
// name, as DHIS2 orders them by default. Built once; immutable and thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sim/country.h"

namespace dhl::sim {

class MetadataCatalog {
 public:
  explicit MetadataCatalog(const Country& country);
  ~MetadataCatalog();

  // Collection names in /api/metadata order.
  const std::vector<std::string>& types() const { return types_; }
  // The objects of a collection, or null for an unknown name.
  const std::vector<nlohmann::json>* Objects(std::string_view type) const;
  // The object with this uid in any collection, with its collection name; null when unknown.
  const nlohmann::json* Find(std::string_view type, std::string_view uid) const;
  // The object with this uid in any collection; null when unknown.
  const nlohmann::json* FindAny(std::string_view uid) const;

 private:
  struct Collections;
  std::vector<std::string> types_;
  std::unique_ptr<Collections> collections_;
};

}  // namespace dhl::sim
