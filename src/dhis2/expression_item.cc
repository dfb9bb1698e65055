#include "dhis2/expression_item.h"

#include <functional>
#include <string>

namespace dhl::dhis2 {

std::string_view ItemTypeSymbol(ItemType type) {
  switch (type) {
    case ItemType::kDataElement:
      return "#";
    case ItemType::kConstant:
      return "C";
    case ItemType::kOrgUnitGroupCount:
      return "OUG";
    case ItemType::kReportingRate:
      return "R";
    case ItemType::kIndicator:
      return "N";
    case ItemType::kProgramIndicator:
      return "I";
    case ItemType::kProgramDataElement:
      return "D";
    case ItemType::kProgramAttribute:
      return "A";
  }
  return "?";
}

std::string ItemKey::ToString() const {
  std::string out(ItemTypeSymbol(type));
  out += '{';
  out += uid0;
  if (!uid1.empty() || !uid2.empty()) {
    out += '.';
    out += uid1;
  }
  if (!uid2.empty()) {
    out += '.';
    out += uid2;
  }
  out += '}';
  if (!modifiers.aggregation_type.empty()) {
    out += ".aggregationType(" + modifiers.aggregation_type + ")";
  }
  if (!modifiers.min_date.empty()) {
    out += ".minDate(" + modifiers.min_date + ")";
  }
  if (!modifiers.max_date.empty()) {
    out += ".maxDate(" + modifiers.max_date + ")";
  }
  if (modifiers.period_offset != 0) {
    out += ".periodOffset(" + std::to_string(modifiers.period_offset) + ")";
  }
  if (modifiers.year_to_date) {
    out += ".yearToDate()";
  }
  return out;
}

size_t ItemKeyHash::operator()(const ItemKey& key) const {
  size_t hash = std::hash<std::string>()(key.uid0);
  auto mix = [&hash](size_t value) {
    hash ^= value + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
  };
  mix(static_cast<size_t>(key.type));
  mix(std::hash<std::string>()(key.uid1));
  mix(std::hash<std::string>()(key.uid2));
  mix(static_cast<size_t>(key.modifiers.period_offset));
  if (!key.modifiers.empty()) {
    mix(std::hash<std::string>()(key.modifiers.aggregation_type));
    mix(std::hash<std::string>()(key.modifiers.min_date));
    mix(std::hash<std::string>()(key.modifiers.max_date));
    mix(key.modifiers.year_to_date ? 1 : 0);
  }
  return hash;
}

}  // namespace dhl::dhis2
