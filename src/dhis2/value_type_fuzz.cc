// libFuzzer entry for the value parser. The first byte picks the value type, the rest is the raw
// value. Any input must be accepted or rejected cleanly; an accepted value must be consistent with
// its type (finite numbers, 1/0 for booleans) and its canonical text must parse again to the same
// value. The type-name parsers get the whole input as well.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dhis2/aggregation_type.h"
#include "dhis2/value_type.h"

namespace {

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace d = dhl::dhis2;
  const std::string_view whole(reinterpret_cast<const char*>(data), size);
  (void)d::ParseValueType(whole);
  (void)d::ParseAggregationType(whole);
  (void)d::ParseAggregationTypeValue(whole);
  (void)d::MatchesAnalyticsNumericPattern(whole);
  if (size == 0) {
    return 0;
  }
  const d::ValueType type = d::kAllValueTypes[data[0] % d::kAllValueTypes.size()];
  // Own the raw value so that ASan sees reads past its end.
  const std::string raw(whole.substr(1));
  dhl::Result<d::TypedValue> typed = d::ParseValue(type, raw);
  if (!typed.ok()) {
    Check(typed.status().code() == dhl::StatusCode::kInvalidArgument);
    Check(!typed.status().message().empty());
    return 0;
  }
  const d::TypedValue value = *typed;
  if (d::IsNumeric(type)) {
    Check(value.kind() == d::TypedValue::Kind::kNumber);
    Check(std::isfinite(value.number()));
    if (type == d::ValueType::kPercentage) {
      Check(value.number() >= 0 && value.number() <= 100);
    }
    if (type == d::ValueType::kUnitInterval) {
      Check(value.number() >= 0 && value.number() <= 1);
    }
    if (d::IsInteger(type)) {
      Check(value.number() == std::floor(value.number()));
    }
    Check(d::MatchesAnalyticsNumericPattern(value.text()));
  } else if (d::IsBoolean(type)) {
    Check(value.kind() == d::TypedValue::Kind::kBoolean);
    Check(value.number() == 1 || (type == d::ValueType::kBoolean && value.number() == 0));
  } else {
    Check(value.kind() == d::TypedValue::Kind::kText);
  }
  if (type == d::ValueType::kDate || type == d::ValueType::kAge) {
    Check(value.text().size() == 10);
  }
  // The canonical text is a fixed point.
  const std::string text(value.text());
  dhl::Result<d::TypedValue> again = d::ParseValue(type, text);
  Check(again.ok());
  Check(again->kind() == value.kind());
  Check(again->text() == value.text());
  Check(again->number() == value.number() ||
        (std::isnan(again->number()) && std::isnan(value.number())));
  return 0;
}
