// Accept/reject cases from dhis2-core @ 3f8c14a02b3b (paths under dhis-2/):
// - MathUtilsTest (dhis-support/dhis-support-system/src/test/.../system/util/MathUtilsTest.java):
//   testIsNumeric, testIsNumericLenient, testIsUnitInterval, testIsPercentage, testIsInteger,
//   testIsPositiveInteger, testIsNegativeInteger, testIsZeroOrPositiveInteger, testIsCoordinate;
// - ValidationUtilsTest (same folder): testValueIsValid, testIsPhoneNumber, testUsernameIsValid,
//   testEmailIsValid, testIsValidLetter, testValueIsComparableForDateTimeTypes (DATETIME cases);
// - DefaultDataEntryService.normalizeValue (dhis-service-core .../datavalue/), which runs before
//   ValidationUtils.valueIsValid on import: booleans and integers written "n.0";
// the rest are hand-computed from the sources named in docs/aggregation.md.
#include "dhis2/value_type.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/test_paths.h"

namespace dhl::dhis2 {
namespace {

using V = ValueType;

bool Accepts(ValueType type, std::string_view raw) { return ParseValue(type, raw).ok(); }

double NumberOf(ValueType type, std::string_view raw) {
  Result<TypedValue> typed = ParseValue(type, raw);
  EXPECT_TRUE(typed.ok()) << ValueTypeName(type) << " " << raw << ": " << typed.status().ToString();
  return typed.ok() ? typed->number() : -12345;
}

std::string TextOf(ValueType type, std::string_view raw) {
  Result<TypedValue> typed = ParseValue(type, raw);
  EXPECT_TRUE(typed.ok()) << ValueTypeName(type) << " " << raw << ": " << typed.status().ToString();
  return typed.ok() ? std::string(typed->text()) : "<rejected>";
}

TEST(ValueTypeTest, NamesRoundTripAndMatchValueTypeJava) {
  std::set<std::string_view> names;
  for (ValueType type : kAllValueTypes) {
    Result<ValueType> parsed = ParseValueType(ValueTypeName(type));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, type);
    names.insert(ValueTypeName(type));
  }
  EXPECT_EQ(names.size(), 28u);  // 27 in dhis2-core master + TRACKER_ASSOCIATE
  EXPECT_EQ(ValueTypeName(V::kIntegerZeroOrPositive), "INTEGER_ZERO_OR_POSITIVE");
  EXPECT_EQ(ValueTypeName(V::kGeoJson), "GEOJSON");
  EXPECT_EQ(ValueTypeName(V::kDateTime), "DATETIME");
  EXPECT_EQ(ValueTypeName(V::kOrganisationUnit), "ORGANISATION_UNIT");
  // ValueType.fromString is case-sensitive.
  EXPECT_FALSE(ParseValueType("number").ok());
  Result<ValueType> bad = ParseValueType("DECIMAL");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "\"DECIMAL\" is not a DHIS2 value type");
}

TEST(ValueTypeTest, ClassesMatchValueTypeJava) {
  const std::set<ValueType> numeric = {
      V::kInteger, V::kIntegerPositive, V::kIntegerNegative, V::kIntegerZeroOrPositive,
      V::kNumber,  V::kUnitInterval,    V::kPercentage};
  const std::set<ValueType> text = {V::kText,     V::kLongText, V::kLetter,      V::kTime,
                                    V::kUsername, V::kEmail,    V::kPhoneNumber, V::kUrl};
  const std::set<ValueType> date = {V::kDate, V::kDateTime, V::kAge};
  const std::set<ValueType> boolean = {V::kBoolean, V::kTrueOnly};
  const std::set<ValueType> not_aggregatable = {
      V::kDate, V::kDateTime, V::kTime,    V::kOrganisationUnit, V::kReference,
      V::kAge,  V::kImage,    V::kGeoJson, V::kTrackerAssociate};
  for (ValueType type : kAllValueTypes) {
    SCOPED_TRACE(std::string(ValueTypeName(type)));
    EXPECT_EQ(IsNumeric(type), numeric.count(type) == 1);
    EXPECT_EQ(IsText(type), text.count(type) == 1);
    EXPECT_EQ(IsDate(type), date.count(type) == 1);
    EXPECT_EQ(IsBoolean(type), boolean.count(type) == 1);
    EXPECT_EQ(IsAggregatable(type), not_aggregatable.count(type) == 0);
    EXPECT_LE(int{IsNumeric(type)} + IsText(type) + IsDate(type) + IsBoolean(type), 1);
  }
  EXPECT_TRUE(IsInteger(V::kIntegerNegative));
  EXPECT_FALSE(IsInteger(V::kNumber));
  EXPECT_TRUE(IsFile(V::kImage));
  EXPECT_TRUE(IsGeo(V::kCoordinate));
  EXPECT_FALSE(IsText(V::kMultiText));
}

TEST(ValueTypeTest, NumberFromMathUtilsTestIsNumeric) {
  for (const char* ok : {"123", "0", "1.2", "12.34", "0.0", "1.234", "-1234", "-12.34", "-0.34",
                         "6.34", "3.34", "2.43"}) {
    EXPECT_TRUE(Accepts(V::kNumber, ok)) << ok;
  }
  for (const char* bad : {"Hey",
                          "45 Perinatal Condition",
                          "Long street 2",
                          "1.2f",
                          "1 234",
                          ".",
                          "1.",
                          ".1",
                          " ",
                          "+1234  ",
                          "1234  ",
                          "  1234",
                          "1,234",
                          "0,1",
                          "0,",
                          "0.",
                          "01",
                          "001",
                          "00.23",
                          "01.23",
                          "4.23E",
                          "4.23Ef",
                          "E5"}) {
    EXPECT_FALSE(Accepts(V::kNumber, bad)) << bad;
  }
  EXPECT_FALSE(Accepts(V::kNumber, ""));
}

TEST(ValueTypeTest, NumberHandComputed) {
  EXPECT_DOUBLE_EQ(NumberOf(V::kNumber, "12.5"), 12.5);
  EXPECT_DOUBLE_EQ(NumberOf(V::kNumber, "-0"), 0.0);  // -?0 is allowed
  EXPECT_DOUBLE_EQ(NumberOf(V::kNumber, "-0.5"), -0.5);
  EXPECT_DOUBLE_EQ(NumberOf(V::kNumber, "1234567890123"), 1234567890123.0);
  EXPECT_FALSE(Accepts(V::kNumber, "1e3"));
  EXPECT_FALSE(Accepts(V::kNumber, "+1"));
  EXPECT_FALSE(Accepts(V::kNumber, "12a"));
  EXPECT_FALSE(Accepts(V::kNumber, "NaN"));
  EXPECT_FALSE(Accepts(V::kNumber, "Infinity"));
  EXPECT_FALSE(Accepts(V::kNumber, "1.0.0"));
  EXPECT_FALSE(Accepts(V::kNumber, "--1"));
  // MathUtils.NUMBER_MAX_LENGTH: fewer than 250 characters.
  EXPECT_TRUE(Accepts(V::kNumber, "1" + std::string(248, '0')));
  EXPECT_FALSE(Accepts(V::kNumber, "1" + std::string(249, '0')));
  EXPECT_EQ(TextOf(V::kNumber, "12.50"), "12.50");
}

TEST(ValueTypeTest, UnitIntervalAndPercentageFromMathUtilsTest) {
  for (const char* ok : {"0", "0.2", "0.876", "1"}) {
    EXPECT_TRUE(Accepts(V::kUnitInterval, ok)) << ok;
  }
  for (const char* bad : {"2", "-1", "abc", "1.01"}) {
    EXPECT_FALSE(Accepts(V::kUnitInterval, bad)) << bad;
  }
  for (const char* ok : {"0", "15", "100", "12.5"}) {
    EXPECT_TRUE(Accepts(V::kPercentage, ok)) << ok;
  }
  for (const char* bad : {"abc", "-1", "17,8", "101"}) {
    EXPECT_FALSE(Accepts(V::kPercentage, bad)) << bad;
  }
  // Hand-computed edges.
  EXPECT_TRUE(Accepts(V::kUnitInterval, "1.000"));
  EXPECT_TRUE(Accepts(V::kUnitInterval, "-0"));  // -0.0 >= 0
  EXPECT_FALSE(Accepts(V::kUnitInterval, "1.0000001"));
  EXPECT_TRUE(Accepts(V::kPercentage, "100.0"));
  EXPECT_FALSE(Accepts(V::kPercentage, "100.01"));
  EXPECT_FALSE(Accepts(V::kPercentage, "-0.1"));
  EXPECT_DOUBLE_EQ(NumberOf(V::kPercentage, "37.5"), 37.5);
}

TEST(ValueTypeTest, IntegersFromMathUtilsTest) {
  for (const char* ok : {"1", "123", "-2", "0"}) {
    EXPECT_TRUE(Accepts(V::kInteger, ok)) << ok;
  }
  for (const char* bad : {"1.1", "+4", "-0", "Hey", " 1", "1 ", "1.2345", "12147483647"}) {
    EXPECT_FALSE(Accepts(V::kInteger, bad)) << bad;
  }
  for (const char* ok : {"1", "123"}) {
    EXPECT_TRUE(Accepts(V::kIntegerPositive, ok)) << ok;
  }
  for (const char* bad : {"0", "+2", "-2", "-2232", "-2.17", "1.1", "-0", "Hey", "1 ", "1.2345"}) {
    EXPECT_FALSE(Accepts(V::kIntegerPositive, bad)) << bad;
  }
  for (const char* ok : {"-1", "-123"}) {
    EXPECT_TRUE(Accepts(V::kIntegerNegative, ok)) << ok;
  }
  for (const char* bad : {"0", "+2", "2", "2232", "2.17", "1.1", "-0", "Hey", "2 ", "6.1345"}) {
    EXPECT_FALSE(Accepts(V::kIntegerNegative, bad)) << bad;
  }
  for (const char* ok : {"0", "123"}) {
    EXPECT_TRUE(Accepts(V::kIntegerZeroOrPositive, ok)) << ok;
  }
  for (const char* bad :
       {"012", "+20", "-2", "-2232", "-2.17", "1.1", "-0", "Hey", "1 ", "1.2345"}) {
    EXPECT_FALSE(Accepts(V::kIntegerZeroOrPositive, bad)) << bad;
  }
}

TEST(ValueTypeTest, IntegersKeepToTheInt32RangeOfIntegerValidator) {
  EXPECT_DOUBLE_EQ(NumberOf(V::kInteger, "2147483647"), 2147483647.0);
  EXPECT_DOUBLE_EQ(NumberOf(V::kInteger, "-2147483648"), -2147483648.0);
  EXPECT_FALSE(Accepts(V::kInteger, "2147483648"));
  EXPECT_FALSE(Accepts(V::kInteger, "-2147483649"));
  EXPECT_DOUBLE_EQ(NumberOf(V::kIntegerNegative, "-2147483648"), -2147483648.0);
  EXPECT_FALSE(Accepts(V::kIntegerPositive, "99999999999"));
  Result<TypedValue> big = ParseValue(V::kInteger, "2147483648");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().message(),
            "value \"2147483648\" is not an INTEGER: outside the 32-bit integer range "
            "(DHIS2: value_not_integer)");
}

TEST(ValueTypeTest, IntegersWrittenWithPointZeroAreNormalisedOnImport) {
  // DefaultDataEntryService.normalizeValue: `type.isInteger() && val.endsWith(".0")`.
  EXPECT_DOUBLE_EQ(NumberOf(V::kIntegerPositive, "1.0"), 1.0);
  EXPECT_EQ(TextOf(V::kIntegerPositive, "1.0"), "1");
  EXPECT_DOUBLE_EQ(NumberOf(V::kInteger, "-7.0"), -7.0);
  EXPECT_DOUBLE_EQ(NumberOf(V::kIntegerZeroOrPositive, "0.0"), 0.0);
  EXPECT_FALSE(Accepts(V::kIntegerPositive, "0.0"));   // "0" is not positive
  EXPECT_FALSE(Accepts(V::kIntegerPositive, "1.00"));  // only one ".0" is dropped
  EXPECT_FALSE(Accepts(V::kInteger, ".0"));            // leaves an empty value
  EXPECT_FALSE(Accepts(V::kInteger, "-0.0"));          // leaves "-0"
  EXPECT_FALSE(Accepts(V::kNumber, "1.0.0"));
}

TEST(ValueTypeTest, BooleansAsValidationUtilsTestAndNormaliseValue) {
  // testValueIsValid: "true", "false", "FALSE" valid.
  EXPECT_DOUBLE_EQ(NumberOf(V::kBoolean, "true"), 1.0);
  EXPECT_DOUBLE_EQ(NumberOf(V::kBoolean, "false"), 0.0);
  EXPECT_DOUBLE_EQ(NumberOf(V::kBoolean, "FALSE"), 0.0);
  // testValueIsValid says "yes" is invalid for valueIsValid alone, but the import normalises
  // it to "true" first (normalizeValue); so do we.
  EXPECT_DOUBLE_EQ(NumberOf(V::kBoolean, "yes"), 1.0);
  for (const char* yes : {"1", "t", "T", "y", "Y", "True", "TRUE", "YES", "tRuE"}) {
    EXPECT_DOUBLE_EQ(NumberOf(V::kBoolean, yes), 1.0) << yes;
  }
  for (const char* no : {"0", "f", "F", "n", "N", "no", "No", "False", "fAlSe"}) {
    EXPECT_DOUBLE_EQ(NumberOf(V::kBoolean, no), 0.0) << no;
  }
  for (const char* bad : {"2", "ja", "nein", "truee", " true", "true ", "on", "off", "yess"}) {
    EXPECT_FALSE(Accepts(V::kBoolean, bad)) << bad;
  }
  Result<TypedValue> typed = ParseValue(V::kBoolean, "Y");
  ASSERT_TRUE(typed.ok());
  EXPECT_EQ(typed->kind(), TypedValue::Kind::kBoolean);
  EXPECT_EQ(typed->text(), "true");
}

TEST(ValueTypeTest, TrueOnlyAcceptsOnlyTrue) {
  // testValueIsValid: "true" and "TRUE" valid, "false" not.
  EXPECT_DOUBLE_EQ(NumberOf(V::kTrueOnly, "true"), 1.0);
  EXPECT_DOUBLE_EQ(NumberOf(V::kTrueOnly, "TRUE"), 1.0);
  EXPECT_DOUBLE_EQ(NumberOf(V::kTrueOnly, "1"), 1.0);
  EXPECT_DOUBLE_EQ(NumberOf(V::kTrueOnly, "yes"), 1.0);
  for (const char* bad : {"false", "0", "no", "F", "maybe"}) {
    EXPECT_FALSE(Accepts(V::kTrueOnly, bad)) << bad;
  }
  Result<TypedValue> typed = ParseValue(V::kTrueOnly, "false");
  ASSERT_FALSE(typed.ok());
  EXPECT_EQ(
      typed.status().message(),
      "value \"false\" is not a TRUE_ONLY: only true is allowed (DHIS2: value_not_true_only)");
}

TEST(ValueTypeTest, DatesFromValidationUtilsTestAndDateUtils) {
  // testValueIsValid for DATE and AGE.
  for (ValueType type : {V::kDate, V::kAge}) {
    EXPECT_EQ(TextOf(type, "2013-04-01"), "2013-04-01");
    EXPECT_FALSE(Accepts(type, "2012304-01"));
    EXPECT_FALSE(Accepts(type, "Date"));
  }
  // Hand-computed from DateUtils.DEFAULT_DATE_REGEX and AbstractCalendar.isValid.
  EXPECT_TRUE(Accepts(V::kDate, "2024-02-29"));
  EXPECT_FALSE(Accepts(V::kDate, "2023-02-29"));
  EXPECT_FALSE(Accepts(V::kDate, "1900-02-29"));
  EXPECT_TRUE(Accepts(V::kDate, "2000-02-29"));
  EXPECT_FALSE(Accepts(V::kDate, "2024-04-31"));
  EXPECT_FALSE(Accepts(V::kDate, "2024-01-32"));
  EXPECT_FALSE(Accepts(V::kDate, "2024-13-01"));
  EXPECT_FALSE(Accepts(V::kDate, "2024-00-10"));
  EXPECT_FALSE(Accepts(V::kDate, "0000-01-01"));  // year must be > 0
  EXPECT_FALSE(Accepts(V::kDate, "2024-1-05"));
  EXPECT_FALSE(Accepts(V::kDate, "20240105"));
  EXPECT_FALSE(Accepts(V::kDate, "2024/01/05"));
  EXPECT_FALSE(Accepts(V::kDate, " 2024-01-05"));
  // The regex lets any text follow the day when it ends in a word character.
  EXPECT_EQ(TextOf(V::kDate, "2024-01-05T10:00:00"), "2024-01-05");
  EXPECT_EQ(TextOf(V::kDate, "2024-01-05T10:00:00.000Z"), "2024-01-05");
  EXPECT_FALSE(Accepts(V::kDate, "2024-01-05 "));
  EXPECT_FALSE(Accepts(V::kDate, "2024-01-05."));
  EXPECT_FALSE(Accepts(V::kDate, "2024-01-05T10:00+01:00\n0"));
}

TEST(ValueTypeTest, DateTimesFromValidationUtilsTest) {
  for (const char* ok :
       {"2021-08-30T13:53:33.767412Z", "2021-08-30T13:53:33.767412", "2013-04-01T11:12:05.5417Z",
        "2013-04-01T11:12:05.5417", "2013-04-01T11:12:02.541Z", "2021-08-30T13:53:33.741",
        "2013-04-01T11:12:00"}) {
    EXPECT_TRUE(Accepts(V::kDateTime, ok)) << ok;
  }
  for (const char* bad :
       {"2013-04-01", "abcd", "-", "2021-08-30T13.53.33.767412Z", "2021-08-30T13.53.33.767412",
        "2013-04-01T11.12.05.5417Z", "2021-08-30T13.53.33.741", "2013-04-01T11.12.00"}) {
    EXPECT_FALSE(Accepts(V::kDateTime, bad)) << bad;
  }
}

TEST(ValueTypeTest, DateTimesHandComputedFromJodaPatterns) {
  EXPECT_EQ(TextOf(V::kDateTime, "2024-03-05T07:08"), "2024-03-05T07:08:00");
  EXPECT_EQ(TextOf(V::kDateTime, "2024-03-05T07"), "2024-03-05T07:00:00");
  EXPECT_EQ(TextOf(V::kDateTime, "2024-03-05T07:08:09.123+0100"), "2024-03-05T07:08:09.123+01:00");
  EXPECT_EQ(TextOf(V::kDateTime, "2024-03-05T07:08:09-05:30"), "2024-03-05T07:08:09-05:30");
  EXPECT_EQ(TextOf(V::kDateTime, "2024-03-05 07:08:09Z"), "2024-03-05T07:08:09Z");
  EXPECT_EQ(TextOf(V::kDateTime, "2024-3-5t7:8:9z"), "2024-03-05T07:08:09Z");
  // More than six fraction digits only before a zone (…ss.SSSSSSSSSZ; …ss.SSSSSS stops at six).
  EXPECT_EQ(TextOf(V::kDateTime, "2024-03-05T07:08:09.123456789Z"),
            "2024-03-05T07:08:09.123456789Z");
  EXPECT_EQ(TextOf(V::kDateTime, "2024-03-05T07:08:09.12345"), "2024-03-05T07:08:09.12345");
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05T07:08:09.1234567"));
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05T07:08:09.123456789"));
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05 07:08:09"));  // the space form needs a zone
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05T07:08:09.1234567890"));
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05T24:00"));
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05T23:60"));
  EXPECT_FALSE(Accepts(V::kDateTime, "2023-02-29T10:00"));
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05T07:08+24:00"));
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05T07:08+01:"));
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05T07:08:09."));
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05T"));
  EXPECT_FALSE(Accepts(V::kDateTime, "2024-03-05T07:08:09Zjunk"));
}

TEST(ValueTypeTest, TimeFromValidationUtilsTest) {
  EXPECT_EQ(TextOf(V::kTime, "12:30"), "12:30");
  EXPECT_FALSE(Accepts(V::kTime, "25:00"));
  EXPECT_FALSE(Accepts(V::kTime, "12.30"));
  // TIME_OF_DAY_PATTERN ^([0-9]|0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$.
  EXPECT_EQ(TextOf(V::kTime, "9:05"), "09:05");
  EXPECT_EQ(TextOf(V::kTime, "23:59"), "23:59");
  EXPECT_FALSE(Accepts(V::kTime, "24:00"));
  EXPECT_FALSE(Accepts(V::kTime, "12:60"));
  EXPECT_FALSE(Accepts(V::kTime, "12:30:00"));
  EXPECT_FALSE(Accepts(V::kTime, "123:00"));
  EXPECT_FALSE(Accepts(V::kTime, "12:3"));
}

TEST(ValueTypeTest, PhoneNumbersFromValidationUtilsTest) {
  for (const char* ok : {"+ 47 33 987 937", "+4733987937", "123456", "(+47) 3398 7937",
                         "(47) 3398 7937", "(47) 3398 7937 ext 123", "(47) 3398 7937.123",
                         "01234567890123456789012345678901234567890123456789"}) {
    EXPECT_TRUE(Accepts(V::kPhoneNumber, ok)) << ok;
  }
  for (const char* bad :
       {"012345678901234567890123456789012345678901234567890", "+AA4733987937", "12345", "", " "}) {
    EXPECT_FALSE(Accepts(V::kPhoneNumber, bad)) << bad;
  }
  // \s is a space, \t, \n, \x0B, \f or \r (tests/sql/silver/value_types.test: the same in SQL).
  EXPECT_TRUE(Accepts(V::kPhoneNumber, "+47\t3398\n7937"));
  EXPECT_FALSE(Accepts(V::kPhoneNumber, "+47\a33987937"));
}

TEST(ValueTypeTest, UsernamesFromValidationUtilsTest) {
  for (const char* ok : {"johnmichaeldoe", "ted@johnson.com", "harry@gmail.com", "har_ry@gmail.com",
                         "Harry@gmail.com", "TeD@johnSon.com", "Harry-JohnSon", "enrico"}) {
    EXPECT_TRUE(Accepts(V::kUsername, ok)) << ok;
  }
  for (const char* bad :
       {"_harry@gmail.com", "harry@gmail.com_", ".harry@gmail.com", "harry@gmail.com.",
        "@harry@gmail.com", "harry@gmail.com@", "harry_@gmail.com", "har__ry@gmail.com",
        "harry@@gmail.com", "harry..gmail.com", "harry--gmail.com", "-harry-gmail.com",
        "harry-gmail.com-", "notValidUsername(^#2", "abc"}) {
    EXPECT_FALSE(Accepts(V::kUsername, bad)) << bad;
  }
  EXPECT_FALSE(Accepts(V::kUsername, std::string(400, 'a')));
  EXPECT_TRUE(Accepts(V::kUsername, std::string(255, 'a')));
}

TEST(ValueTypeTest, EmailsFromValidationUtilsTest) {
  EXPECT_FALSE(Accepts(V::kEmail, "john@doe"));
  EXPECT_TRUE(Accepts(V::kEmail, "john@doe.com"));
  EXPECT_TRUE(Accepts(V::kEmail, "validemail@dhis2.org"));
  EXPECT_FALSE(Accepts(V::kEmail, "notValidEmail"));
  // Hand-computed from commons-validator's EmailValidator.
  EXPECT_TRUE(Accepts(V::kEmail, "first.last+tag@sub.example.co.uk"));
  EXPECT_TRUE(Accepts(V::kEmail, "o'brien@example.ie"));
  EXPECT_TRUE(Accepts(V::kEmail, "user@[192.168.1.1]"));
  EXPECT_FALSE(Accepts(V::kEmail, "john.@doe.com"));
  EXPECT_FALSE(Accepts(V::kEmail, ".john@doe.com"));
  EXPECT_FALSE(Accepts(V::kEmail, "jo..hn@doe.com"));
  EXPECT_FALSE(Accepts(V::kEmail, "john doe@doe.com"));
  EXPECT_FALSE(Accepts(V::kEmail, "john@doe.com."));
  EXPECT_FALSE(Accepts(V::kEmail, "john@-doe.com"));
  EXPECT_FALSE(Accepts(V::kEmail, "john@doe.c0m"));
  EXPECT_FALSE(Accepts(V::kEmail, "@doe.com"));
  EXPECT_FALSE(Accepts(V::kEmail, std::string(65, 'a') + "@doe.com"));
}

TEST(ValueTypeTest, UrlsHandComputedFromUrlValidator) {
  EXPECT_TRUE(Accepts(V::kUrl, "http://example.org"));
  EXPECT_TRUE(Accepts(V::kUrl, "https://play.dhis2.org/dev/api/me?fields=id#top"));
  EXPECT_TRUE(Accepts(V::kUrl, "HTTPS://EXAMPLE.ORG:8443/a/b"));
  EXPECT_TRUE(Accepts(V::kUrl, "ftp://user@files.example.com/pub/file.txt"));
  EXPECT_TRUE(Accepts(V::kUrl, "http://127.0.0.1:8080/"));
  EXPECT_FALSE(Accepts(V::kUrl, "file:///etc/passwd"));
  EXPECT_FALSE(Accepts(V::kUrl, "www.example.org"));
  EXPECT_FALSE(Accepts(V::kUrl, "http://localhost/"));  // no local URLs by default
  EXPECT_FALSE(Accepts(V::kUrl, "http://example.org:99999/"));
  EXPECT_FALSE(Accepts(V::kUrl, "http://exa mple.org/"));
  EXPECT_FALSE(Accepts(V::kUrl, "http://example.org/a b"));
  EXPECT_FALSE(Accepts(V::kUrl, "http://example.org//a"));
  EXPECT_FALSE(Accepts(V::kUrl, "http://256.1.1.1/"));
}

TEST(ValueTypeTest, LettersFromValidationUtilsTest) {
  for (const char* ok : {"a", "A", "é", "â", "ß", "ä"}) {
    EXPECT_TRUE(Accepts(V::kLetter, ok)) << ok;
  }
  for (const char* bad : {"1", "", "aa", "=", ","}) {
    EXPECT_FALSE(Accepts(V::kLetter, bad)) << bad;
  }
  // Hand-computed: Greek, Cyrillic and Amharic letters; a symbol; an emoji (two UTF-16 units).
  EXPECT_TRUE(Accepts(V::kLetter, "λ"));
  EXPECT_TRUE(Accepts(V::kLetter, "ж"));
  EXPECT_TRUE(Accepts(V::kLetter, "ሀ"));
  EXPECT_FALSE(Accepts(V::kLetter, "×"));
  EXPECT_FALSE(Accepts(V::kLetter, "\xF0\x9F\x98\x80"));
  EXPECT_FALSE(Accepts(V::kLetter, "\xC3"));  // truncated UTF-8
}

TEST(ValueTypeTest, UidsForOrgUnitsAndFiles) {
  for (ValueType type : {V::kOrganisationUnit, V::kFileResource, V::kImage}) {
    EXPECT_TRUE(Accepts(type, "DiszpKrYNg8"));
    EXPECT_FALSE(Accepts(type, "invalid uid"));
    EXPECT_FALSE(Accepts(type, "1iszpKrYNg8"));
    EXPECT_FALSE(Accepts(type, "DiszpKrYNg"));
    EXPECT_FALSE(Accepts(type, "DiszpKrYNg8x"));
    EXPECT_FALSE(Accepts(type, "Diszp_rYNg8"));
  }
}

TEST(ValueTypeTest, CoordinatesFromMathUtilsTestIsCoordinate) {
  for (const char* ok :
       {"[0.0,0.0]", "[18, 65]", "[18.56, 65.342]", "[18.56,65.342]", "[-18.56,-65.342]",
        "   [18.56 ,  65.342   ]    ", "   [  -180 ,  -90]    ", "   [  12.30 ,  45.67    ]    "}) {
    EXPECT_TRUE(Accepts(V::kCoordinate, ok)) << ok;
  }
  for (const char* bad : {"", "18.56a, 65.342b", "0", "-0", "Hey", " 1", "1 ", "1.2345,123, 123",
                          "12147483647", "-181 ,-90", "-180 , 91", "12,34", "[,]", "[12,  ]"}) {
    EXPECT_FALSE(Accepts(V::kCoordinate, bad)) << bad;
  }
  // Hand-computed from Float.parseFloat and String.split.
  EXPECT_TRUE(Accepts(V::kCoordinate, "[+37.99034,-28.94221]"));
  EXPECT_TRUE(Accepts(V::kCoordinate, "[1e1,2f]"));
  EXPECT_TRUE(Accepts(V::kCoordinate, "[1,2,3]"));  // parts after the second are ignored
  EXPECT_FALSE(Accepts(V::kCoordinate, "[NaN,0]"));
  EXPECT_FALSE(Accepts(V::kCoordinate, "[Infinity,0]"));
  EXPECT_FALSE(Accepts(V::kCoordinate, "[1e400,0]"));
  EXPECT_TRUE(Accepts(V::kCoordinate, "[1e-400,0]"));
  EXPECT_FALSE(Accepts(V::kCoordinate, "[[1,2]]"));
  EXPECT_EQ(TextOf(V::kCoordinate, "[18, 65]"), "[18, 65]");
}

TEST(ValueTypeTest, FreeTextTypesTakeAnythingNonEmpty) {
  for (ValueType type :
       {V::kText, V::kLongText, V::kMultiText, V::kReference, V::kGeoJson, V::kTrackerAssociate}) {
    EXPECT_EQ(TextOf(type, "anything at all, 12a"), "anything at all, 12a");
    EXPECT_EQ(TextOf(type, " "), " ");
    EXPECT_FALSE(Accepts(type, ""));
  }
  // ValidationUtils.VALUE_MAX_LENGTH = 50000 (Java chars: UTF-16 units).
  EXPECT_TRUE(Accepts(V::kLongText, std::string(50000, 'x')));
  EXPECT_FALSE(Accepts(V::kLongText, std::string(50001, 'x')));
  std::string two_byte;
  for (int i = 0; i < 30000; ++i) {
    two_byte += "\xC3\xA9";  // é: 60000 bytes, 30000 UTF-16 units
  }
  EXPECT_TRUE(Accepts(V::kLongText, two_byte));
}

TEST(ValueTypeTest, EmptyAndBlankValues) {
  for (ValueType type : kAllValueTypes) {
    Result<TypedValue> empty = ParseValue(type, "");
    ASSERT_FALSE(empty.ok()) << ValueTypeName(type);
    EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(Accepts(V::kNumber, "   "));
  EXPECT_FALSE(Accepts(V::kLetter, " "));
  EXPECT_FALSE(Accepts(V::kBoolean, " "));
}

TEST(ValueTypeTest, MessagesNameValueTypeAndReason) {
  Result<TypedValue> typed = ParseValue(V::kNumber, "12a");
  ASSERT_FALSE(typed.ok());
  EXPECT_EQ(typed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(typed.status().message(),
            "value \"12a\" is not a NUMBER: not a plain decimal number (DHIS2: value_not_numeric)");
  Result<TypedValue> percent = ParseValue(V::kPercentage, "150");
  ASSERT_FALSE(percent.ok());
  EXPECT_EQ(
      percent.status().message(),
      "value \"150\" is not a PERCENTAGE: not between 0 and 100 (DHIS2: value_not_percentage)");
  Result<TypedValue> quoted = ParseValue(V::kInteger, "a\"b\n");
  ASSERT_FALSE(quoted.ok());
  EXPECT_EQ(quoted.status().message(),
            "value \"a\\\"b\\x0a\" is not an INTEGER: not an integer (DHIS2: value_not_integer)");
  Result<TypedValue> url = ParseValue(V::kUrl, "x");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.status().message(),
            "value \"x\" is not a URL: not an http, https or ftp URL (DHIS2: value_not_url)");
  Result<TypedValue> empty = ParseValue(V::kDate, "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "value \"\" is not a DATE: the value is empty");
  Result<TypedValue> long_value = ParseValue(V::kNumber, std::string(300, '9'));
  ASSERT_FALSE(long_value.ok());
  EXPECT_EQ(long_value.status().message(),
            "value \"" + std::string(64, '9') +
                "\"... (300 bytes) is not a NUMBER: a number of 250 or more characters "
                "(DHIS2: value_not_numeric)");
}

TEST(ValueTypeTest, TypedValueTextSurvivesCopies) {
  Result<TypedValue> typed = ParseValue(V::kDateTime, "2024-03-05T07:08");
  ASSERT_TRUE(typed.ok());
  const TypedValue copy = *typed;
  typed = ParseValue(V::kDateTime, "2025-01-01T00:00");
  EXPECT_EQ(copy.text(), "2024-03-05T07:08:00");
  EXPECT_EQ(copy.kind(), TypedValue::Kind::kText);
  EXPECT_EQ(NumberOf(V::kInteger, "42"), 42);
  EXPECT_EQ(ParseValue(V::kInteger, "42")->kind(), TypedValue::Kind::kNumber);
}

TEST(ValueTypeTest, AnalyticsNumericPatternFromMathUtilsTestIsNumericLenient) {
  for (const char* ok : {"0123", "123", "0", "1.2", "012.34", "12.34", "0.0", "1.234", "-1234",
                         "-12.34", "-0.34", "6.34", "3.342", "2.43"}) {
    EXPECT_TRUE(MatchesAnalyticsNumericPattern(ok)) << ok;
  }
  for (const char* bad : {"Hey",
                          "45 Perinatal Condition",
                          "Long street 2",
                          "1.2f",
                          "1 234",
                          ".1",
                          ".4543",
                          ".",
                          "1.",
                          "",
                          " ",
                          "+6575  ",
                          "5643  ",
                          "  3243",
                          "1,877",
                          "0,1",
                          "0,",
                          "0.",
                          "4.23E",
                          "4.23Ef",
                          "E5"}) {
    EXPECT_FALSE(MatchesAnalyticsNumericPattern(bad)) << bad;
  }
}

// The SQL string literals of one line ("  ('DATE', 'case164', '2013-04-01'),"), '' unescaped.
std::vector<std::string> SqlLiterals(std::string_view line) {
  std::vector<std::string> literals;
  std::size_t i = 0;
  while ((i = line.find('\'', i)) != std::string_view::npos) {
    std::string literal;
    for (++i; i < line.size(); ++i) {
      if (line[i] == '\'') {
        if (i + 1 < line.size() && line[i + 1] == '\'') {
          literal += '\'';
          ++i;
          continue;
        }
        break;
      }
      literal += line[i];
    }
    literals.push_back(std::move(literal));
    ++i;
  }
  return literals;
}

// tests/sql/silver/value_types.test holds value-type cases with DHIS2's answers and checks that
// silver.data_value gives them (e2e_sql_sql_logic_test); ParseValue must give the same ones, so
// that the SQL and the C++ rules cannot part. Its cases are the lines "  ('TYPE', 'caseNNN',
// 'value')", its answers the lines "caseNNN TYPE [value] text number" or "... rejected", where
// number is NULL for a value kept as text (the file's other queries answer in tab-separated cells).
TEST(ValueTypeTest, ParseValueGivesTheAnswersOfTheSqlCases) {
  const std::string path = std::string(DHL_SOURCE_DIR) + "/tests/sql/silver/value_types.test";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::map<std::string, std::pair<std::string, std::string>> cases;  // id -> (type, value)
  std::vector<std::string> answers;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("  ('", 0) == 0 && line.find("', 'case") != std::string::npos) {
      std::vector<std::string> literals = SqlLiterals(line);
      ASSERT_EQ(literals.size(), 3u) << line;
      cases[literals[1]] = {literals[0], literals[2]};
    } else if (line.rfind("case", 0) == 0 && line.find(" [") != std::string::npos &&
               line.find('\t') == std::string::npos) {
      answers.push_back(line);
    }
  }
  ASSERT_GE(cases.size(), 375u);
  ASSERT_EQ(answers.size(), cases.size());
  for (const std::string& answer : answers) {
    const std::string id = answer.substr(0, answer.find(' '));
    ASSERT_EQ(cases.count(id), 1u) << answer;
    const auto& [type_name, raw] = cases[id];
    const std::string prefix = id + " " + type_name + " [" + raw + "] ";
    ASSERT_EQ(answer.substr(0, prefix.size()), prefix);
    const std::string expected = answer.substr(prefix.size());
    Result<ValueType> type = ParseValueType(type_name);
    ASSERT_TRUE(type.ok()) << answer;
    Result<TypedValue> typed = ParseValue(*type, raw);
    if (expected == "rejected") {
      EXPECT_FALSE(typed.ok()) << answer << " (ParseValue accepts it as " << typed->text() << ")";
      continue;
    }
    if (!typed.ok()) {
      ADD_FAILURE() << answer << " (ParseValue: " << typed.status().ToString() << ")";
      continue;
    }
    const std::size_t space = expected.rfind(' ');
    ASSERT_NE(space, std::string::npos) << answer;
    EXPECT_EQ(typed->text(), expected.substr(0, space)) << answer;
    const std::string number = expected.substr(space + 1);
    if (number == "NULL") {
      EXPECT_EQ(typed->kind(), TypedValue::Kind::kText) << answer;
    } else {
      EXPECT_NE(typed->kind(), TypedValue::Kind::kText) << answer;
      EXPECT_EQ(typed->number(), std::strtod(number.c_str(), nullptr)) << answer;
    }
  }
}

}  // namespace
}  // namespace dhl::dhis2
