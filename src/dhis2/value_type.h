// DHIS2 value types and the rule by which DHIS2 accepts a data value of each type. ParseValue
// reproduces the data entry path of dhis2-core (DefaultDataEntryService.validateValues: its
// normalisation of booleans and of integers written "n.0", then ValidationUtils.valueIsValid with
// MathUtils and DateUtils), and returns the typed value the silver layer stores, or a reason.
// docs/aggregation.md (section "Value types") lists each rule with its source and the few places
// where this code is an approximation (EMAIL, URL, LETTER outside the common scripts).
//
// Thread safety: every function is pure and may be called concurrently. ParseValue allocates
// nothing for accepted values; a rejected value costs one message string.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace dhl::dhis2 {

// dhis2-core ValueType, in its declaration order, plus TRACKER_ASSOCIATE, which dhis2-core removed
// in 2.43 (commit 67204f42f7f, migration V2_43_42) but which older servers still report.
enum class ValueType : std::uint8_t {
  kText,
  kLongText,
  kMultiText,
  kLetter,
  kPhoneNumber,
  kEmail,
  kBoolean,
  kTrueOnly,
  kDate,
  kDateTime,
  kTime,
  kNumber,
  kUnitInterval,
  kPercentage,
  kInteger,
  kIntegerPositive,
  kIntegerNegative,
  kIntegerZeroOrPositive,
  kUsername,
  kCoordinate,
  kOrganisationUnit,
  kReference,
  kAge,
  kUrl,
  kFileResource,
  kImage,
  kGeoJson,
  kTrackerAssociate,  // legacy: servers before 2.43
};

inline constexpr std::array<ValueType, 28> kAllValueTypes = {
    ValueType::kText,
    ValueType::kLongText,
    ValueType::kMultiText,
    ValueType::kLetter,
    ValueType::kPhoneNumber,
    ValueType::kEmail,
    ValueType::kBoolean,
    ValueType::kTrueOnly,
    ValueType::kDate,
    ValueType::kDateTime,
    ValueType::kTime,
    ValueType::kNumber,
    ValueType::kUnitInterval,
    ValueType::kPercentage,
    ValueType::kInteger,
    ValueType::kIntegerPositive,
    ValueType::kIntegerNegative,
    ValueType::kIntegerZeroOrPositive,
    ValueType::kUsername,
    ValueType::kCoordinate,
    ValueType::kOrganisationUnit,
    ValueType::kReference,
    ValueType::kAge,
    ValueType::kUrl,
    ValueType::kFileResource,
    ValueType::kImage,
    ValueType::kGeoJson,
    ValueType::kTrackerAssociate,
};

// The metadata name: "INTEGER_ZERO_OR_POSITIVE".
std::string_view ValueTypeName(ValueType type);

// Parses a metadata name exactly (ValueType.fromString is case-sensitive too).
Result<ValueType> ParseValueType(std::string_view name);

// The classes of ValueType.java. A type is in at most one of numeric, boolean, text and date;
// MULTI_TEXT, COORDINATE, GEOJSON, ORGANISATION_UNIT, REFERENCE, FILE_RESOURCE, IMAGE and
// TRACKER_ASSOCIATE are in none (DHIS2's TEXT_TYPES leaves them out).
bool IsNumeric(ValueType type);  // INTEGER*, NUMBER, UNIT_INTERVAL, PERCENTAGE
bool IsInteger(
    ValueType type);  // INTEGER, INTEGER_POSITIVE, INTEGER_NEGATIVE, INTEGER_ZERO_OR_POSITIVE
bool IsBoolean(ValueType type);  // BOOLEAN, TRUE_ONLY
bool IsText(ValueType type);  // TEXT, LONG_TEXT, LETTER, TIME, USERNAME, EMAIL, PHONE_NUMBER, URL
bool IsDate(ValueType type);  // DATE, DATETIME, AGE
bool IsFile(ValueType type);  // FILE_RESOURCE, IMAGE
bool IsGeo(ValueType type);   // COORDINATE, GEOJSON
// ValueType.isAggregatable: false for DATE, DATETIME, TIME, ORGANISATION_UNIT, REFERENCE, AGE,
// IMAGE, GEOJSON and TRACKER_ASSOCIATE.
bool IsAggregatable(ValueType type);

// A data value accepted by ParseValue.
//
// kind() says which accessor holds it: numbers (every numeric type) in number(); booleans in
// number() as 1 or 0 (BOOLEAN and TRUE_ONLY); everything else in text(). text() is either a view
// of the raw input (text types, kept as received) or of a normalised copy held inside this object
// (DATE and AGE as yyyy-MM-dd, DATETIME as yyyy-MM-ddTHH:mm:ss[.fraction][zone], booleans as
// "true"/"false", integers without a trailing ".0", TIME as HH:mm). A view of the raw
// input is valid only while that input lives; copy it before the input goes away.
class TypedValue {
 public:
  enum class Kind : std::uint8_t { kNumber, kBoolean, kText };

  // Longest normalised text kept inline (a DATETIME with nanoseconds and a zone fits).
  static constexpr std::size_t kInlineCapacity = 48;

  static TypedValue Number(double value, std::string_view text);
  static TypedValue Boolean(bool value);
  // `text` is kept as a view: it must outlive the TypedValue.
  static TypedValue TextView(std::string_view text);
  // `text` is copied inline. Precondition: text.size() <= kInlineCapacity (checked).
  static TypedValue TextCopy(std::string_view text);

  Kind kind() const { return kind_; }
  // The number (numeric types), or 1/0 (booleans); 0 for text.
  double number() const { return number_; }
  // The canonical text of the value: for numbers the accepted text ("12.5", "3" for "3.0").
  std::string_view text() const;

 private:
  TypedValue() = default;

  Kind kind_ = Kind::kText;
  bool inline_text_ = false;
  std::uint8_t inline_size_ = 0;
  double number_ = 0;
  std::string_view view_;
  std::array<char, kInlineCapacity> inline_{};
};

// DHIS2's longest accepted value (ValidationUtils.VALUE_MAX_LENGTH), in UTF-16 code units.
inline constexpr std::size_t kValueMaxLength = 50000;

// Types `raw` as DHIS2 validates a data value of type `type` on import, e.g.
//   NUMBER "12.5" -> 12.5; "12a", "1e3", "01", ".5", " 1" -> rejected;
//   INTEGER_POSITIVE "3" and "3.0" -> 3; "0", "+3", "3.5" -> rejected (int32 range only);
//   PERCENTAGE 0..100; UNIT_INTERVAL 0..1; BOOLEAN "true", "False", "T", "1", "yes", "n" -> 1/0;
//   TRUE_ONLY only the true forms; DATE and AGE yyyy-MM-dd of a real ISO date (DHIS2 ignores text
//   after the day when it ends in a letter or digit), DATETIME the Joda patterns of DateUtils;
//   TIME H:mm or HH:mm; text types anything up to kValueMaxLength.
// An empty value is rejected for every type (DHIS2 only stores one for a deletion or with a
// comment), and so is a blank value for a non-text type (DHIS2 would store "  " for a NUMBER and
// analytics then ignores it).
// Errors are invalid argument with a message naming the value, the type and the reason, e.g.
// `value "12a" is not a NUMBER: not a plain decimal number (DHIS2: value_not_numeric)`.
Result<TypedValue> ParseValue(ValueType type, std::string_view raw);

// MathUtils.NUMERIC_LENIENT_REGEXP (^(-?[0-9]+)(\.[0-9]+)?$), the test analytics tables apply to
// stored numeric values: looser than data entry ("007" and "-0" pass), so values stored by older
// servers can reach analytics while ParseValue rejects them.
bool MatchesAnalyticsNumericPattern(std::string_view stored_value);

}  // namespace dhl::dhis2
