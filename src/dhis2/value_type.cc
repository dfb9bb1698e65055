#include "dhis2/value_type.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

#include "base/text.h"

namespace dhl::dhis2 {
namespace {

constexpr std::size_t ValueTypeIndex(ValueType type) { return static_cast<std::size_t>(type); }

// Indexed by the enum.
constexpr std::array<std::string_view, kAllValueTypes.size()> kValueTypeNames = {
    "TEXT",
    "LONG_TEXT",
    "MULTI_TEXT",
    "LETTER",
    "PHONE_NUMBER",
    "EMAIL",
    "BOOLEAN",
    "TRUE_ONLY",
    "DATE",
    "DATETIME",
    "TIME",
    "NUMBER",
    "UNIT_INTERVAL",
    "PERCENTAGE",
    "INTEGER",
    "INTEGER_POSITIVE",
    "INTEGER_NEGATIVE",
    "INTEGER_ZERO_OR_POSITIVE",
    "USERNAME",
    "COORDINATE",
    "ORGANISATION_UNIT",
    "REFERENCE",
    "AGE",
    "URL",
    "FILE_RESOURCE",
    "IMAGE",
    "GEOJSON",
    "TRACKER_ASSOCIATE",
};

// MathUtils.NUMBER_MAX_LENGTH: isNumeric wants value.length() < 250.
constexpr std::size_t kNumberMaxLength = 250;
constexpr std::int64_t kInt32Min = -2147483648LL;
constexpr std::int64_t kInt32Max = 2147483647LL;

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiAlnum(char c) { return IsAsciiDigit(c) || IsAsciiLetter(c); }
char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Java String.length(): UTF-16 code units of UTF-8 text (4-byte sequences are surrogate pairs).
std::size_t Utf16Length(std::string_view text) {
  std::size_t units = 0;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) != 0x80) {
      units += byte >= 0xF0 ? 2 : 1;
    }
  }
  return units;
}

// Java String.trim().isEmpty(): every char <= U+0020.
bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) > 0x20) {
      return false;
    }
  }
  return true;
}

// The raw value as shown in a message: at most 64 bytes (cut at a character boundary), quotes,
// backslashes and control bytes escaped.
std::string QuoteForMessage(std::string_view raw) {
  constexpr std::size_t kShown = 64;
  std::size_t shown = raw.size();
  bool cut = false;
  if (shown > kShown) {
    shown = kShown;
    while (shown > 0 && (static_cast<unsigned char>(raw[shown]) & 0xC0) == 0x80) {
      --shown;
    }
    cut = true;
  }
  std::string out = "\"";
  for (std::size_t i = 0; i < shown; ++i) {
    const auto byte = static_cast<unsigned char>(raw[i]);
    if (byte == '"' || byte == '\\') {
      out += '\\';
      out += static_cast<char>(byte);
    } else if (byte < 0x20 || byte == 0x7F) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += static_cast<char>(byte);
    }
  }
  out += '"';
  if (cut) {
    out += "... (" + std::to_string(raw.size()) + " bytes)";
  }
  return out;
}

Status Reject(ValueType type, std::string_view raw, std::string_view reason,
              std::string_view dhis2_key) {
  std::string message = "value ";
  message += QuoteForMessage(raw);
  message += " is not a";
  const std::string_view name = kValueTypeNames[ValueTypeIndex(type)];
  // "an INTEGER", "an EMAIL", but "a UNIT_INTERVAL", "a URL", "a USERNAME".
  if (name.front() == 'A' || name.front() == 'E' || name.front() == 'I' || name.front() == 'O') {
    message += 'n';
  }
  message += ' ';
  message += name;
  message += ": ";
  message += reason;
  if (!dhis2_key.empty()) {
    message += " (DHIS2: ";
    message += dhis2_key;
    message += ')';
  }
  return InvalidArgument(std::move(message));
}

// MathUtils.NUMERIC_REGEXP ^(-?0|-?[1-9]\d*)(\.\d+)?$ with length < 250.
bool IsStrictDecimal(std::string_view text) {
  if (text.empty() || text.size() >= kNumberMaxLength) {
    return false;
  }
  std::size_t i = 0;
  if (text[i] == '-') {
    ++i;
  }
  if (i >= text.size() || !IsAsciiDigit(text[i])) {
    return false;
  }
  if (text[i] == '0') {
    ++i;
  } else {
    while (i < text.size() && IsAsciiDigit(text[i])) {
      ++i;
    }
  }
  if (i == text.size()) {
    return true;
  }
  if (text[i] != '.') {
    return false;
  }
  ++i;
  if (i == text.size()) {
    return false;
  }
  while (i < text.size() && IsAsciiDigit(text[i])) {
    ++i;
  }
  return i == text.size();
}

double ParseDecimal(std::string_view text) {
  double value = 0;
  // The grammar was checked; from_chars rounds correctly like Double.parseDouble.
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

enum class IntegerRule : std::uint8_t { kAny, kPositive, kNegative, kZeroOrPositive };

// The four integer patterns of MathUtils plus IntegerValidator's int range. Returns false when the
// text does not match; `value` is set when it does.
bool ParseDhisInteger(std::string_view text, IntegerRule rule, std::int64_t* value) {
  std::size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) {
    ++i;
  }
  const std::string_view digits = text.substr(i);
  if (digits.empty() || digits.size() > 10) {
    return false;
  }
  for (char c : digits) {
    if (!IsAsciiDigit(c)) {
      return false;
    }
  }
  const bool zero = digits == "0";
  if (!zero && digits[0] == '0') {
    return false;  // no leading zeros
  }
  if (zero && negative) {
    return false;  // "-0" matches none of the patterns
  }
  switch (rule) {
    case IntegerRule::kAny:
      break;
    case IntegerRule::kPositive:
      if (negative || zero) {
        return false;
      }
      break;
    case IntegerRule::kNegative:
      if (!negative) {
        return false;
      }
      break;
    case IntegerRule::kZeroOrPositive:
      if (negative) {
        return false;
      }
      break;
  }
  std::int64_t magnitude = 0;
  for (char c : digits) {
    magnitude = magnitude * 10 + (c - '0');
  }
  const std::int64_t result = negative ? -magnitude : magnitude;
  if (result < kInt32Min || result > kInt32Max) {
    return false;
  }
  *value = result;
  return true;
}

bool IsLeapYear(std::int64_t year) {
  // Proleptic Gregorian, astronomical numbering (year 0 is a leap year), as Joda's ISO chronology.
  const std::int64_t mod4 = ((year % 4) + 4) % 4;
  const std::int64_t mod100 = ((year % 100) + 100) % 100;
  const std::int64_t mod400 = ((year % 400) + 400) % 400;
  return mod4 == 0 && (mod100 != 0 || mod400 == 0);
}

int DaysInMonth(std::int64_t year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) {
    return 29;
  }
  return kDays[static_cast<std::size_t>(month - 1)];
}

int TwoDigits(std::string_view text, std::size_t at) {
  return (text[at] - '0') * 10 + (text[at + 1] - '0');
}

// DateUtils.dateIsValid: the regex
//   \b(?<year>\d{4})-(?<month>0[1-9]|1[0-2])-(?<day>0[1-9]|[1-2][0-9]|3[0-2])(?<time>.*)\b
// over the whole text, then Calendar.isValid (ISO: a real day, year > 0).
const char* CheckDhisDate(std::string_view text) {
  if (text.size() < 10) {
    return "not a yyyy-MM-dd date";
  }
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (!IsAsciiDigit(text[i])) {
      return "not a yyyy-MM-dd date";
    }
  }
  if (text[4] != '-' || text[7] != '-') {
    return "not a yyyy-MM-dd date";
  }
  const int year = TwoDigits(text, 0) * 100 + TwoDigits(text, 2);
  const int month = TwoDigits(text, 5);
  const int day = TwoDigits(text, 8);
  if (month < 1 || month > 12 || day < 1 || day > 32) {
    return "not a yyyy-MM-dd date";
  }
  if (text.size() > 10) {
    // `.*` stops at line terminators (\n \r U+0085 U+2028 U+2029); the closing \b needs a word
    // character ([A-Za-z0-9_]) at the very end.
    const std::string_view rest = text.substr(10);
    if (rest.find_first_of("\r\n") != std::string_view::npos ||
        rest.find("\xC2\x85") != std::string_view::npos ||
        rest.find("\xE2\x80\xA8") != std::string_view::npos ||
        rest.find("\xE2\x80\xA9") != std::string_view::npos) {
      return "not a yyyy-MM-dd date";
    }
    const char last = text.back();
    if (!IsAsciiAlnum(last) && last != '_') {
      return "not a yyyy-MM-dd date";
    }
  }
  if (year <= 0 || day > DaysInMonth(year, month)) {
    return "no such day";
  }
  return nullptr;
}

// Reads 1..max_digits ASCII digits at *pos (Joda's lenient numeric field parsing).
bool ReadNumber(std::string_view text, std::size_t* pos, std::size_t max_digits,
                std::int64_t* value) {
  std::size_t i = *pos;
  std::int64_t result = 0;
  while (i < text.size() && i - *pos < max_digits && IsAsciiDigit(text[i])) {
    result = result * 10 + (text[i] - '0');
    ++i;
  }
  if (i == *pos) {
    return false;
  }
  *pos = i;
  *value = result;
  return true;
}

bool ReadExactDigits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) {
    return false;
  }
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!IsAsciiDigit(text[i])) {
      return false;
    }
  }
  return true;
}

void AppendPadded(char* out, std::size_t* size, std::int64_t value, int width) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof(digits), value);
  (void)error;
  const auto length = static_cast<int>(end - digits);
  for (int i = length; i < width; ++i) {
    out[(*size)++] = '0';
  }
  std::memcpy(out + *size, digits, static_cast<std::size_t>(length));
  *size += static_cast<std::size_t>(length);
}

// The zone offset of Joda's pattern letter Z: "Z" (any case), or +HH, +HHmm, +HH:mm (hours <= 23,
// minutes <= 59). Appends the normalised form ("Z" or "+HH:mm").
bool ParseZone(std::string_view text, std::size_t* pos, char* out, std::size_t* size) {
  std::size_t i = *pos;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    out[(*size)++] = 'Z';
    *pos = i + 1;
    return true;
  }
  if (i >= text.size() || (text[i] != '+' && text[i] != '-')) {
    return false;
  }
  const char sign = text[i++];
  if (!ReadExactDigits(text, i, 2)) {
    return false;
  }
  const int hours = TwoDigits(text, i);
  if (hours > 23) {
    return false;
  }
  i += 2;
  int minutes = 0;
  if (i < text.size() && (text[i] == ':' || IsAsciiDigit(text[i]))) {
    if (text[i] == ':') {
      ++i;
    }
    if (!ReadExactDigits(text, i, 2)) {
      return false;
    }
    minutes = TwoDigits(text, i);
    if (minutes > 59) {
      return false;
    }
    i += 2;
  }
  out[(*size)++] = sign;
  AppendPadded(out, size, hours, 2);
  out[(*size)++] = ':';
  AppendPadded(out, size, minutes, 2);
  *pos = i;
  return true;
}

// DateUtils.dateTimeIsValid: one of the Joda patterns
//   yyyy-MM-dd'T'HH[:mm[:ss[.S…]]][Z]  and  yyyy-MM-dd HH:mm:ssZ
// must consume the whole text. Joda parses numeric fields leniently: the year takes 1-9 digits
// and a sign, the other fields 1-2 digits, the fraction 1-9 digits with a zone after it
// (SSSSSSSSSZ) and 1-6 without (SSSSSS); literals ignore case.
// On success writes the normalised yyyy-MM-ddTHH:mm:ss[.fraction][zone] to `out`.
bool ParseDhisDateTime(std::string_view text, char* out, std::size_t* size) {
  std::size_t pos = 0;
  bool negative_year = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) {
    negative_year = text[pos] == '-';
    ++pos;
  }
  std::int64_t year = 0;
  std::int64_t month = 0;
  std::int64_t day = 0;
  std::int64_t hour = 0;
  std::int64_t minute = 0;
  std::int64_t second = 0;
  if (!ReadNumber(text, &pos, 9, &year)) {
    return false;
  }
  if (negative_year) {
    year = -year;
  }
  if (pos >= text.size() || text[pos++] != '-' || !ReadNumber(text, &pos, 2, &month)) {
    return false;
  }
  if (pos >= text.size() || text[pos++] != '-' || !ReadNumber(text, &pos, 2, &day)) {
    return false;
  }
  if (pos >= text.size()) {
    return false;
  }
  const bool space_form = text[pos] == ' ';
  if (!space_form && text[pos] != 'T' && text[pos] != 't') {
    return false;
  }
  ++pos;
  if (!ReadNumber(text, &pos, 2, &hour)) {
    return false;
  }
  std::string_view fraction;
  bool have_minutes = false;
  bool have_seconds = false;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!ReadNumber(text, &pos, 2, &minute)) {
      return false;
    }
    have_minutes = true;
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadNumber(text, &pos, 2, &second)) {
        return false;
      }
      have_seconds = true;
      if (!space_form && pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        while (pos < text.size() && pos - start < 9 && IsAsciiDigit(text[pos])) {
          ++pos;
        }
        if (pos == start) {
          return false;
        }
        fraction = text.substr(start, pos - start);
      }
    }
  }
  if (space_form && (!have_minutes || !have_seconds)) {
    return false;
  }
  // Joda's ISO chronology range and field limits.
  constexpr std::int64_t kMinYear = -292275054;
  constexpr std::int64_t kMaxYear = 292278993;
  if (year < kMinYear || year > kMaxYear || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, static_cast<int>(month)) || hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  *size = 0;
  if (year < 0) {
    out[(*size)++] = '-';
  }
  AppendPadded(out, size, year < 0 ? -year : year, 4);
  out[(*size)++] = '-';
  AppendPadded(out, size, month, 2);
  out[(*size)++] = '-';
  AppendPadded(out, size, day, 2);
  out[(*size)++] = 'T';
  AppendPadded(out, size, hour, 2);
  out[(*size)++] = ':';
  AppendPadded(out, size, minute, 2);
  out[(*size)++] = ':';
  AppendPadded(out, size, second, 2);
  if (!fraction.empty()) {
    out[(*size)++] = '.';
    std::memcpy(out + *size, fraction.data(), fraction.size());
    *size += fraction.size();
  }
  if (pos < text.size()) {
    if (!ParseZone(text, &pos, out, size)) {
      return false;
    }
  } else if (space_form) {
    return false;  // "yyyy-MM-dd HH:mm:ssZ" needs its zone
  } else if (fraction.size() > 6) {
    // Only "…ss.SSSSSSSSSZ" takes more than six fraction digits, and it needs its zone: Joda's
    // fraction parser stops at the pattern's count, so "…ss.SSSSSS" leaves the seventh unread.
    return false;
  }
  return pos == text.size();
}

// One UTF-8 code point at the start of `text`; returns its length in bytes or 0 when invalid.
std::size_t DecodeUtf8(std::string_view text, char32_t* code_point) {
  if (text.empty()) {
    return 0;
  }
  const auto b0 = static_cast<unsigned char>(text[0]);
  std::size_t length = 0;
  char32_t cp = 0;
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    length = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if ((b & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *code_point = cp;
  return length;
}

// Character.isLetter for the scripts health data is entered in: Latin (with its extensions and
// IPA), Greek, Cyrillic, Armenian, Hebrew, Arabic, Devanagari and other Indic blocks, Thai, Lao,
// Ethiopic, Khmer, Hiragana, Katakana, CJK and Hangul. An approximation of the Unicode tables:
// punctuation and symbols inside those blocks are mostly excluded, rarer scripts are not letters.
bool IsLetterCodePoint(char32_t cp) {
  if (cp < 0x80) {
    return IsAsciiLetter(static_cast<char>(cp));
  }
  struct Range {
    char32_t first;
    char32_t last;
  };
  static constexpr Range kLetters[] = {
      {0x00AA, 0x00AA}, {0x00B5, 0x00B5}, {0x00BA, 0x00BA}, {0x00C0, 0x00D6}, {0x00D8, 0x00F6},
      {0x00F8, 0x02C1}, {0x02C6, 0x02D1}, {0x02E0, 0x02E4}, {0x0370, 0x0374}, {0x0376, 0x0377},
      {0x037A, 0x037D}, {0x037F, 0x037F}, {0x0386, 0x0386}, {0x0388, 0x03F5}, {0x03F7, 0x0481},
      {0x048A, 0x052F}, {0x0531, 0x0556}, {0x0561, 0x0587}, {0x05D0, 0x05EA}, {0x0620, 0x064A},
      {0x0671, 0x06D3}, {0x0904, 0x0939}, {0x0958, 0x0961}, {0x0985, 0x09B9}, {0x0A05, 0x0A39},
      {0x0A85, 0x0AB9}, {0x0B05, 0x0B39}, {0x0B85, 0x0BB9}, {0x0C05, 0x0C39}, {0x0C85, 0x0CB9},
      {0x0D05, 0x0D3A}, {0x0E01, 0x0E30}, {0x0E81, 0x0EB0}, {0x1200, 0x135A}, {0x1780, 0x17B3},
      {0x1E00, 0x1FBC}, {0x3041, 0x3096}, {0x30A1, 0x30FA}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
      {0xAC00, 0xD7A3},
  };
  for (const Range& range : kLetters) {
    if (cp >= range.first && cp <= range.last) {
      return true;
    }
  }
  return false;
}

// ValidationUtils.isValidLetter: one UTF-16 unit that is a letter.
bool IsDhisLetter(std::string_view text) {
  char32_t cp = 0;
  const std::size_t length = DecodeUtf8(text, &cp);
  if (length == 0 || length != text.size() || cp > 0xFFFF) {
    return false;
  }
  return IsLetterCodePoint(cp);
}

// ValidationUtils.GENERIC_PHONE_NUMBER ^[0-9+\(\)#\.\s\/ext-]{6,50}$.
bool IsDhisPhoneNumber(std::string_view text) {
  if (text.size() < 6 || text.size() > 50) {
    return false;
  }
  for (char c : text) {
    const bool ok = IsAsciiDigit(c) || c == '+' || c == '(' || c == ')' || c == '#' || c == '.' ||
                    c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r' ||
                    c == '/' || c == 'e' || c == 'x' || c == 't' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// ValidationUtils.USERNAME_PATTERN
// ^(?=.{4,255}$)(?![-_.@])(?!.*[-_.@]{2})[-_.@a-zA-Z0-9]+(?<![-_.@])$.
bool IsDhisUsername(std::string_view text) {
  if (text.size() < 4 || text.size() > 255) {
    return false;
  }
  bool previous_special = true;  // forbids a special character first
  for (char c : text) {
    const bool special = c == '-' || c == '_' || c == '.' || c == '@';
    if (!special && !IsAsciiAlnum(c)) {
      return false;
    }
    if (special && previous_special) {
      return false;
    }
    previous_special = special;
  }
  return !previous_special;
}

// CodeGenerator.isValidUid: 11 characters, a letter then letters or digits.
bool IsDhisUid(std::string_view text) {
  constexpr std::size_t kUidLength = 11;
  if (text.size() != kUidLength || !IsAsciiLetter(text[0])) {
    return false;
  }
  for (std::size_t i = 1; i < kUidLength; ++i) {
    if (!IsAsciiAlnum(text[i])) {
      return false;
    }
  }
  return true;
}

// Java's Float.parseFloat grammar on blank-free text: [+-] then NaN, Infinity, or a decimal with
// optional exponent and an optional type suffix (f, F, d, D). Hexadecimal floats are not
// accepted here (DHIS2 would).
bool ParseJavaFloat(std::string_view text, float* value) {
  if (text.empty()) {
    return false;
  }
  std::size_t i = 0;
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') {
    negative = text[i] == '-';
    ++i;
  }
  std::string_view body = text.substr(i);
  if (!body.empty() &&
      (body.back() == 'f' || body.back() == 'F' || body.back() == 'd' || body.back() == 'D')) {
    body.remove_suffix(1);
  }
  if (text.substr(i) == "NaN") {
    return false;  // NaN fails every range comparison
  }
  if (text.substr(i) == "Infinity") {
    *value =
        negative ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    return true;
  }
  std::size_t j = 0;
  std::size_t mantissa_digits = 0;
  while (j < body.size() && IsAsciiDigit(body[j])) {
    ++j;
    ++mantissa_digits;
  }
  if (j < body.size() && body[j] == '.') {
    ++j;
    while (j < body.size() && IsAsciiDigit(body[j])) {
      ++j;
      ++mantissa_digits;
    }
  }
  if (mantissa_digits == 0) {
    return false;
  }
  if (j < body.size() && (body[j] == 'e' || body[j] == 'E')) {
    ++j;
    if (j < body.size() && (body[j] == '+' || body[j] == '-')) {
      ++j;
    }
    const std::size_t exponent_start = j;
    while (j < body.size() && IsAsciiDigit(body[j])) {
      ++j;
    }
    if (j == exponent_start) {
      return false;
    }
  }
  if (j != body.size()) {
    return false;
  }
  // from_chars does not take a leading '+' or a bare trailing '.'; parse a cleaned copy.
  std::string cleaned(body);
  if (!cleaned.empty() && cleaned.back() == '.') {
    cleaned.pop_back();
  }
  const std::size_t dot_e = cleaned.find(".e");
  if (dot_e != std::string::npos) {
    cleaned.erase(dot_e, 1);
  }
  const std::size_t dot_upper_e = cleaned.find(".E");
  if (dot_upper_e != std::string::npos) {
    cleaned.erase(dot_upper_e, 1);
  }
  double parsed = 0;
  const auto [end, error] =
      std::from_chars(cleaned.data(), cleaned.data() + cleaned.size(), parsed);
  if (error == std::errc::result_out_of_range) {
    // Overflow is out of the coordinate range; underflow rounds to zero as in Java.
    const std::size_t exponent = cleaned.find_first_of("eE");
    const bool underflow = exponent != std::string::npos && exponent + 1 < cleaned.size() &&
                           cleaned[exponent + 1] == '-';
    parsed = underflow ? 0.0 : std::numeric_limits<double>::infinity();
  } else if (error != std::errc() || end != cleaned.data() + cleaned.size()) {
    return false;
  }
  // Java rounds to float; a coordinate only needs that near the range limits. Beyond float's range
  // the cast would be undefined, and the value is out of range anyway.
  constexpr double kFloatLimit = 1e30;
  if (parsed > kFloatLimit) {
    *value =
        negative ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    return true;
  }
  *value = static_cast<float>(negative ? -parsed : parsed);
  return true;
}

// MathUtils.isCoordinate: blanks removed, "[lng,lat…]", each part a Java float, lng in
// [-180, 180] and lat in [-90, 90]; parts after the second are ignored (String.split).
bool IsDhisCoordinate(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    // \s in Java: space, \t, \n, \x0B, \f, \r.
    if (c != ' ' && c != '\t' && c != '\n' && c != '\x0B' && c != '\f' && c != '\r') {
      compact += c;
    }
  }
  if (compact.size() < 5 || compact.front() != '[' || compact.find('[', 1) != std::string::npos ||
      compact.back() != ']' || compact.find(']') != compact.size() - 1) {
    return false;
  }
  const std::string_view inner = std::string_view(compact).substr(1, compact.size() - 2);
  const std::size_t comma = inner.find(',');
  if (comma == std::string_view::npos) {
    return false;
  }
  const std::string_view longitude_text = inner.substr(0, comma);
  std::string_view latitude_text = inner.substr(comma + 1);
  const std::size_t next_comma = latitude_text.find(',');
  if (next_comma != std::string_view::npos) {
    latitude_text = latitude_text.substr(0, next_comma);
  }
  float longitude = 0;
  float latitude = 0;
  if (!ParseJavaFloat(longitude_text, &longitude) || !ParseJavaFloat(latitude_text, &latitude)) {
    return false;
  }
  return longitude >= -180 && longitude <= 180 && latitude >= -90 && latitude <= 90;
}

// A host name as commons-validator's DomainValidator reads it, without its IANA list of top-level
// domains: dot-separated labels of letters, digits and inner hyphens (1-63 characters), at least
// two labels, the last starting with a letter (all letters, or an "xn--" IDN label), total <= 253.
bool IsDomainName(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  std::size_t label_count = 0;
  std::string_view last_label;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) {
      dot = host.size();
    }
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || !IsAsciiAlnum(label.front()) ||
        !IsAsciiAlnum(label.back())) {
      return false;
    }
    for (char c : label) {
      if (!IsAsciiAlnum(c) && c != '-') {
        return false;
      }
    }
    ++label_count;
    last_label = label;
    start = dot + 1;
    if (dot == host.size()) {
      break;
    }
  }
  if (label_count < 2) {
    return false;
  }
  if (last_label.size() > 4 && EqualsIgnoreCase(last_label.substr(0, 4), "xn--")) {
    return true;
  }
  if (last_label.size() < 2) {
    return false;
  }
  for (char c : last_label) {
    if (!IsAsciiLetter(c)) {
      return false;
    }
  }
  return true;
}

bool IsIpv4(std::string_view text) {
  int parts = 0;
  std::size_t pos = 0;
  while (true) {
    std::int64_t octet = 0;
    const std::size_t start = pos;
    if (!ReadNumber(text, &pos, 3, &octet) || octet > 255 ||
        (pos - start > 1 && text[start] == '0')) {
      return false;
    }
    ++parts;
    if (pos == text.size()) {
      break;
    }
    if (text[pos] != '.' || parts == 4) {
      return false;
    }
    ++pos;
  }
  return parts == 4;
}

// commons-validator EmailValidator (no local addresses): the last '@' splits user and domain; the
// user part (<= 64 characters) is dot-separated words of characters other than blanks, controls
// and ()<>@,;:\".[] (or quoted strings); the domain a host name (see IsDomainName) or a bracketed
// IPv4 address. Approximation: the top-level domain is not checked against IANA's list, and IPv6
// literals and internationalised domain names are rejected.
bool IsDhisEmail(std::string_view text) {
  if (text.empty() || text.back() == '.') {
    return false;
  }
  const std::size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) {
    return false;
  }
  const std::string_view user = text.substr(0, at);
  const std::string_view domain = text.substr(at + 1);
  for (char c : domain) {
    if (static_cast<unsigned char>(c) <= 0x20) {
      return false;
    }
  }
  if (Utf16Length(user) > 64) {
    return false;
  }
  // Words separated by single dots.
  std::size_t i = 0;
  bool expect_word = true;
  while (i < user.size()) {
    const char c = user[i];
    if (expect_word) {
      if (c == '"') {
        ++i;
        bool closed = false;
        while (i < user.size()) {
          if (user[i] == '\\' && i + 1 < user.size()) {
            i += 2;
            continue;
          }
          if (user[i] == '"') {
            closed = true;
            ++i;
            break;
          }
          ++i;
        }
        if (!closed) {
          return false;
        }
        expect_word = false;
        continue;
      }
      std::size_t word_length = 0;
      while (i < user.size() && user[i] != '.') {
        const auto b = static_cast<unsigned char>(user[i]);
        if (b == '\\' && i + 1 < user.size()) {
          i += 2;
          ++word_length;
          continue;
        }
        if (b <= 0x20 || b == 0x7F || std::strchr("()<>@,;:\\\"[]", static_cast<char>(b))) {
          return false;
        }
        ++i;
        ++word_length;
      }
      if (word_length == 0) {
        return false;
      }
      expect_word = false;
    } else {
      if (c != '.') {
        return false;
      }
      ++i;
      expect_word = true;
    }
  }
  if (expect_word) {
    return false;
  }
  if (domain.size() > 2 && domain.front() == '[' && domain.back() == ']') {
    return IsIpv4(domain.substr(1, domain.size() - 2));
  }
  return IsDomainName(domain);
}

// commons-validator UrlValidator with its defaults: scheme http, https or ftp (any case), an
// authority [user@]host[:port] whose host is a host name (see IsDomainName) or an IPv4 address,
// a path of [-A-Za-z0-9_:@&?=+,.!/~*'%$;()] without "//" or "/../", a query without blanks, any
// fragment. Approximation: no IANA top-level domain list, no IPv6 hosts.
bool IsDhisUrl(std::string_view text) {
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      return false;
    }
  }
  const std::size_t colon = text.find("://");
  if (colon == std::string_view::npos) {
    return false;
  }
  const std::string_view scheme = text.substr(0, colon);
  if (!EqualsIgnoreCase(scheme, "http") && !EqualsIgnoreCase(scheme, "https") &&
      !EqualsIgnoreCase(scheme, "ftp")) {
    return false;
  }
  std::string_view rest = text.substr(colon + 3);
  std::string_view fragment;
  const std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  std::string_view query;
  bool has_query = false;
  const std::size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    query = rest.substr(question + 1);
    rest = rest.substr(0, question);
    has_query = true;
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view user_info = authority.substr(0, at);
    for (char c : user_info) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == '/' || c == '@') {
        return false;
      }
    }
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  const std::size_t port_colon = authority.rfind(':');
  if (port_colon != std::string_view::npos) {
    host = authority.substr(0, port_colon);
    const std::string_view port = authority.substr(port_colon + 1);
    if (!port.empty()) {
      std::int64_t port_value = 0;
      std::size_t pos = 0;
      if (port.size() > 5 || !ReadNumber(port, &pos, 5, &port_value) || pos != port.size() ||
          port_value > 65535) {
        return false;
      }
    }
  }
  if (!IsDomainName(host) && !IsIpv4(host)) {
    return false;
  }
  for (char c : path) {
    const bool ok = IsAsciiAlnum(c) || std::strchr("-_:@&?=+,.!/~*'%$;()", c) != nullptr;
    if (!ok || c == '\0') {
      return false;
    }
  }
  if (path.find("//") != std::string_view::npos || path.find("/../") != std::string_view::npos ||
      path == "/.." || (path.size() >= 3 && path.substr(path.size() - 3) == "/..")) {
    return false;
  }
  if (has_query) {
    for (char c : query) {
      if (static_cast<unsigned char>(c) <= 0x20) {
        return false;
      }
    }
  }
  (void)fragment;
  return true;
}

// DefaultDataEntryService.normalizeValue for booleans: values of at most 5 characters, any case:
// f n 0 no false -> "false"; t y 1 yes true -> "true"; anything else unchanged.
std::string_view NormaliseBoolean(std::string_view raw) {
  if (raw.size() > 5) {
    return raw;
  }
  if (raw.size() == 1) {
    const char c = ToLowerAscii(raw[0]);
    if (c == 'f' || c == 'n' || c == '0') {
      return "false";
    }
    if (c == 't' || c == 'y' || c == '1') {
      return "true";
    }
    return raw;
  }
  if (EqualsIgnoreCase(raw, "no") || EqualsIgnoreCase(raw, "false")) {
    return "false";
  }
  if (EqualsIgnoreCase(raw, "yes") || EqualsIgnoreCase(raw, "true")) {
    return "true";
  }
  return raw;
}

Result<TypedValue> ParseNumeric(ValueType type, std::string_view raw) {
  switch (type) {
    case ValueType::kNumber:
    case ValueType::kUnitInterval:
    case ValueType::kPercentage: {
      if (!IsStrictDecimal(raw)) {
        const std::string_view key = type == ValueType::kNumber         ? "value_not_numeric"
                                     : type == ValueType::kUnitInterval ? "value_not_unit_interval"
                                                                        : "value_not_percentage";
        return Reject(type, raw,
                      raw.size() >= kNumberMaxLength ? "a number of 250 or more characters"
                                                     : "not a plain decimal number",
                      key);
      }
      const double number = ParseDecimal(raw);
      if (type == ValueType::kUnitInterval && !(number >= 0 && number <= 1)) {
        return Reject(type, raw, "not between 0 and 1", "value_not_unit_interval");
      }
      if (type == ValueType::kPercentage && !(number >= 0 && number <= 100)) {
        return Reject(type, raw, "not between 0 and 100", "value_not_percentage");
      }
      return TypedValue::Number(number, raw);
    }
    default:
      break;
  }
  // Integer types: DHIS2 first drops one trailing ".0".
  std::string_view text = raw;
  if (text.size() >= 2 && text.substr(text.size() - 2) == ".0") {
    text.remove_suffix(2);
  }
  IntegerRule rule = IntegerRule::kAny;
  std::string_view reason = "not an integer";
  std::string_view key = "value_not_integer";
  if (type == ValueType::kIntegerPositive) {
    rule = IntegerRule::kPositive;
    reason = "not a positive integer";
    key = "value_not_positive_integer";
  } else if (type == ValueType::kIntegerNegative) {
    rule = IntegerRule::kNegative;
    reason = "not a negative integer";
    key = "value_not_negative_integer";
  } else if (type == ValueType::kIntegerZeroOrPositive) {
    rule = IntegerRule::kZeroOrPositive;
    reason = "not zero or a positive integer";
    key = "value_not_zero_or_positive_integer";
  }
  std::int64_t value = 0;
  if (!ParseDhisInteger(text, rule, &value)) {
    // Name the range when the shape was right.
    std::int64_t unused = 0;
    if (text.size() > 9 && ParseDhisInteger(text.substr(0, 9), rule, &unused)) {
      bool all_digits = true;
      for (std::size_t i = (text[0] == '-' ? 1 : 0); i < text.size(); ++i) {
        all_digits = all_digits && IsAsciiDigit(text[i]);
      }
      if (all_digits) {
        return Reject(type, raw, "outside the 32-bit integer range", key);
      }
    }
    return Reject(type, raw, reason, key);
  }
  return TypedValue::Number(static_cast<double>(value), text);
}

}  // namespace

TypedValue TypedValue::Number(double value, std::string_view text) {
  TypedValue typed;
  typed.kind_ = Kind::kNumber;
  typed.number_ = value;
  typed.view_ = text;
  return typed;
}

TypedValue TypedValue::Boolean(bool value) {
  TypedValue typed;
  typed.kind_ = Kind::kBoolean;
  typed.number_ = value ? 1 : 0;
  typed.view_ = value ? std::string_view("true") : std::string_view("false");
  return typed;
}

TypedValue TypedValue::TextView(std::string_view text) {
  TypedValue typed;
  typed.kind_ = Kind::kText;
  typed.view_ = text;
  return typed;
}

TypedValue TypedValue::TextCopy(std::string_view text) {
  DHL_CHECK(text.size() <= kInlineCapacity);
  TypedValue typed;
  typed.kind_ = Kind::kText;
  typed.inline_text_ = true;
  typed.inline_size_ = static_cast<std::uint8_t>(text.size());
  std::memcpy(typed.inline_.data(), text.data(), text.size());
  return typed;
}

std::string_view TypedValue::text() const {
  if (inline_text_) {
    return std::string_view(inline_.data(), inline_size_);
  }
  return view_;
}

std::string_view ValueTypeName(ValueType type) { return kValueTypeNames[ValueTypeIndex(type)]; }

Result<ValueType> ParseValueType(std::string_view name) {
  for (ValueType type : kAllValueTypes) {
    if (kValueTypeNames[ValueTypeIndex(type)] == name) {
      return type;
    }
  }
  return InvalidArgument("\"" + std::string(name.substr(0, 64)) + "\" is not a DHIS2 value type");
}

bool IsNumeric(ValueType type) {
  return type == ValueType::kNumber || type == ValueType::kUnitInterval ||
         type == ValueType::kPercentage || IsInteger(type);
}

bool IsInteger(ValueType type) {
  return type == ValueType::kInteger || type == ValueType::kIntegerPositive ||
         type == ValueType::kIntegerNegative || type == ValueType::kIntegerZeroOrPositive;
}

bool IsBoolean(ValueType type) {
  return type == ValueType::kBoolean || type == ValueType::kTrueOnly;
}

bool IsText(ValueType type) {
  switch (type) {
    case ValueType::kText:
    case ValueType::kLongText:
    case ValueType::kLetter:
    case ValueType::kTime:
    case ValueType::kUsername:
    case ValueType::kEmail:
    case ValueType::kPhoneNumber:
    case ValueType::kUrl:
      return true;
    default:
      return false;
  }
}

bool IsDate(ValueType type) {
  return type == ValueType::kDate || type == ValueType::kDateTime || type == ValueType::kAge;
}

bool IsFile(ValueType type) {
  return type == ValueType::kFileResource || type == ValueType::kImage;
}

bool IsGeo(ValueType type) { return type == ValueType::kCoordinate || type == ValueType::kGeoJson; }

bool IsAggregatable(ValueType type) {
  switch (type) {
    case ValueType::kDate:
    case ValueType::kDateTime:
    case ValueType::kTime:
    case ValueType::kOrganisationUnit:
    case ValueType::kReference:
    case ValueType::kAge:
    case ValueType::kImage:
    case ValueType::kGeoJson:
    case ValueType::kTrackerAssociate:
      return false;
    default:
      return true;
  }
}

Result<TypedValue> ParseValue(ValueType type, std::string_view raw) {
  if (raw.empty()) {
    return Reject(type, raw, "the value is empty", "");
  }
  if (raw.size() > kValueMaxLength && Utf16Length(raw) > kValueMaxLength) {
    return Reject(type, raw, "longer than 50000 characters",
                  "value_length_greater_than_max_length");
  }
  switch (type) {
    case ValueType::kNumber:
    case ValueType::kUnitInterval:
    case ValueType::kPercentage:
    case ValueType::kInteger:
    case ValueType::kIntegerPositive:
    case ValueType::kIntegerNegative:
    case ValueType::kIntegerZeroOrPositive:
      return ParseNumeric(type, raw);
    case ValueType::kText:
    case ValueType::kLongText:
    case ValueType::kMultiText:
    case ValueType::kReference:
    case ValueType::kGeoJson:
    case ValueType::kTrackerAssociate:
      return TypedValue::TextView(raw);
    default:
      break;
  }
  if (IsBlank(raw)) {
    return Reject(type, raw, "the value is blank", "");
  }
  switch (type) {
    case ValueType::kBoolean:
    case ValueType::kTrueOnly: {
      const std::string_view normalised = NormaliseBoolean(raw);
      if (normalised == "true") {
        return TypedValue::Boolean(true);
      }
      if (type == ValueType::kBoolean && normalised == "false") {
        return TypedValue::Boolean(false);
      }
      if (type == ValueType::kTrueOnly) {
        return Reject(type, raw, normalised == "false" ? "only true is allowed" : "not true",
                      "value_not_true_only");
      }
      return Reject(type, raw, "not true or false", "value_not_bool");
    }
    case ValueType::kDate:
    case ValueType::kAge: {
      if (const char* reason = CheckDhisDate(raw)) {
        return Reject(type, raw, reason,
                      type == ValueType::kDate ? "value_not_valid_date" : "value_not_valid_age");
      }
      return TypedValue::TextView(raw.substr(0, 10));
    }
    case ValueType::kDateTime: {
      char buffer[TypedValue::kInlineCapacity + 32];
      std::size_t size = 0;
      // The longest accepted text normalises to at most 10+1+8+1+9+6 = 35 characters plus a
      // signed 9-digit year; anything longer than 64 bytes cannot match the patterns.
      if (raw.size() > 64 || !ParseDhisDateTime(raw, buffer, &size) ||
          size > TypedValue::kInlineCapacity) {
        return Reject(type, raw, "not a yyyy-MM-ddTHH:mm[:ss[.SSS]][zone] date and time",
                      "value_not_valid_datetime");
      }
      return TypedValue::TextCopy(std::string_view(buffer, size));
    }
    case ValueType::kTime: {
      // ^([0-9]|0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$
      const std::size_t colon = raw.find(':');
      const bool shape = (colon == 1 || colon == 2) && raw.size() == colon + 3 &&
                         IsAsciiDigit(raw[0]) && (colon == 1 || IsAsciiDigit(raw[1])) &&
                         IsAsciiDigit(raw[colon + 1]) && IsAsciiDigit(raw[colon + 2]);
      if (!shape) {
        return Reject(type, raw, "not a HH:mm time", "value_not_valid_time");
      }
      const int hour = colon == 1 ? raw[0] - '0' : TwoDigits(raw, 0);
      const int minute = TwoDigits(raw, colon + 1);
      if (hour > 23 || minute > 59) {
        return Reject(type, raw, "not a HH:mm time", "value_not_valid_time");
      }
      char buffer[5] = {static_cast<char>('0' + hour / 10), static_cast<char>('0' + hour % 10), ':',
                        raw[colon + 1], raw[colon + 2]};
      return TypedValue::TextCopy(std::string_view(buffer, 5));
    }
    case ValueType::kLetter:
      if (!IsDhisLetter(raw)) {
        return Reject(type, raw, "not a single letter", "value_not_valid_letter");
      }
      return TypedValue::TextView(raw);
    case ValueType::kPhoneNumber:
      if (!IsDhisPhoneNumber(raw)) {
        return Reject(type, raw, "not 6 to 50 of the characters 0-9 + ( ) # . / e x t - and blanks",
                      "value_not_phone_number");
      }
      return TypedValue::TextView(raw);
    case ValueType::kEmail:
      if (!IsDhisEmail(raw)) {
        return Reject(type, raw, "not an e-mail address", "value_not_valid_email");
      }
      return TypedValue::TextView(raw);
    case ValueType::kUrl:
      if (!IsDhisUrl(raw)) {
        return Reject(type, raw, "not an http, https or ftp URL", "value_not_url");
      }
      return TypedValue::TextView(raw);
    case ValueType::kUsername:
      if (!IsDhisUsername(raw)) {
        return Reject(type, raw, "not 4 to 255 letters, digits and single - _ . @ between them",
                      "value_not_valid_username");
      }
      return TypedValue::TextView(raw);
    case ValueType::kOrganisationUnit:
    case ValueType::kFileResource:
    case ValueType::kImage:
      if (!IsDhisUid(raw)) {
        return Reject(type, raw, "not a uid (a letter then 10 letters or digits)",
                      type == ValueType::kOrganisationUnit ? "value_not_valid_org_unit_uid"
                                                           : "value_not_valid_file_resource_uid");
      }
      return TypedValue::TextView(raw);
    case ValueType::kCoordinate:
      if (!IsDhisCoordinate(raw)) {
        return Reject(type, raw, "not [longitude,latitude] within [-180,180] and [-90,90]",
                      "value_not_coordinate");
      }
      return TypedValue::TextView(raw);
    default:
      break;
  }
  return Internal("ParseValue: unhandled value type " +
                  std::string(kValueTypeNames[ValueTypeIndex(type)]));
}

bool MatchesAnalyticsNumericPattern(std::string_view stored_value) {
  std::size_t i = 0;
  if (i < stored_value.size() && stored_value[i] == '-') {
    ++i;
  }
  const std::size_t integer_start = i;
  while (i < stored_value.size() && IsAsciiDigit(stored_value[i])) {
    ++i;
  }
  if (i == integer_start) {
    return false;
  }
  if (i == stored_value.size()) {
    return true;
  }
  if (stored_value[i] != '.') {
    return false;
  }
  ++i;
  const std::size_t fraction_start = i;
  while (i < stored_value.size() && IsAsciiDigit(stored_value[i])) {
    ++i;
  }
  return i > fraction_start && i == stored_value.size();
}

}  // namespace dhl::dhis2
