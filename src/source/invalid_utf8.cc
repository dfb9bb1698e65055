#include "source/invalid_utf8.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "base/logging.h"

namespace dhl::source {
namespace {

// The members whose value names a record, looked for backwards from the bad byte.
constexpr std::array<std::string_view, 6> kRecordIdMembers = {
    "\"event\"",        "\"trackedEntity\"", "\"enrollment\"",
    "\"relationship\"", "\"dataElement\"",   "\"id\""};

// `"member": "value"` of the nearest record id member before `offset`; empty when none.
std::string NearestRecordId(std::string_view text, size_t offset) {
  size_t best = std::string_view::npos;
  std::string_view best_member;
  for (std::string_view member : kRecordIdMembers) {
    size_t found = text.substr(0, offset).rfind(member);
    if (found != std::string_view::npos && (best == std::string_view::npos || found > best)) {
      best = found;
      best_member = member;
    }
  }
  if (best == std::string_view::npos) {
    return "";
  }
  size_t open = text.find('"', best + best_member.size());
  size_t close = open == std::string_view::npos ? open : text.find('"', open + 1);
  if (close == std::string_view::npos || close > offset || close - open > 64) {
    return std::string(best_member);
  }
  return fmt::format("{}: {}", best_member, text.substr(open, close - open + 1));
}

// The length of the well-formed sequence starting at text[i] (1 for ASCII), 0 when the byte there
// does not start one (overlong forms, surrogates and code points over U+10FFFF are ill-formed).
size_t WellFormedLength(std::string_view text, size_t i) {
  const auto byte = static_cast<unsigned char>(text[i]);
  if (byte < 0x80) {
    return 1;
  }
  size_t length = 0;
  unsigned char low = 0x80;  // bounds of the second byte
  unsigned char high = 0xBF;
  if (byte >= 0xC2 && byte <= 0xDF) {
    length = 2;
  } else if (byte >= 0xE0 && byte <= 0xEF) {
    length = 3;
    low = byte == 0xE0 ? 0xA0 : 0x80;
    high = byte == 0xED ? 0x9F : 0xBF;
  } else if (byte >= 0xF0 && byte <= 0xF4) {
    length = 4;
    low = byte == 0xF0 ? 0x90 : 0x80;
    high = byte == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (i + length > text.size()) {
    return 0;
  }
  for (size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if (k == 1 ? (next < low || next > high) : (next < 0x80 || next > 0xBF)) {
      return 0;
    }
  }
  return length;
}

// U+F0000 + byte in UTF-8: F3 B0 (0x80 | byte >> 6) (0x80 | byte & 0x3F), byte >= 0x80.
void AppendRepaired(unsigned char byte, std::string& out) {
  out += static_cast<char>(0xF3);
  out += static_cast<char>(0xB0);
  out += static_cast<char>(0x80 | (byte >> 6));
  out += static_cast<char>(0x80 | (byte & 0x3F));
}

}  // namespace

std::optional<size_t> FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t length = WellFormedLength(text, i);
    if (length == 0) {
      return i;
    }
    i += length;
  }
  return std::nullopt;
}

Utf8Repair RepairUtf8(std::string& text) {
  Utf8Repair repair;
  std::optional<size_t> first = FirstInvalidUtf8(text);
  if (!first) {
    return repair;
  }
  repair.first_offset = *first;
  repair.first_byte = static_cast<unsigned char>(text[*first]);
  repair.first_line =
      1 + static_cast<size_t>(
              std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*first), '\n'));
  repair.record = NearestRecordId(text, *first);
  std::string out;
  out.reserve(text.size() + 64);
  out.append(text, 0, *first);
  size_t i = *first;
  while (i < text.size()) {
    size_t length = WellFormedLength(text, i);
    if (length == 0) {
      AppendRepaired(static_cast<unsigned char>(text[i]), out);
      ++repair.bytes;
      ++i;
    } else {
      out.append(text, i, length);
      i += length;
    }
  }
  text = std::move(out);
  return repair;
}

std::string RecoverBytes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (i + 4 <= text.size() && static_cast<unsigned char>(text[i]) == 0xF3 &&
        static_cast<unsigned char>(text[i + 1]) == 0xB0 &&
        (static_cast<unsigned char>(text[i + 2]) == 0x82 ||
         static_cast<unsigned char>(text[i + 2]) == 0x83)) {
      out += static_cast<char>(((static_cast<unsigned char>(text[i + 2]) & 0x03) << 6) |
                               (static_cast<unsigned char>(text[i + 3]) & 0x3F));
      i += 4;
    } else {
      out += text[i];
      ++i;
    }
  }
  return out;
}

bool RepairUtf8AndWarn(std::string& text, const std::string& what) {
  Utf8Repair repair = RepairUtf8(text);
  if (repair.bytes == 0) {
    return false;
  }
  LogWarn(
      "{}: {} invalid UTF-8 byte{} kept as U+F0080..U+F00FF (the first at byte {} on line {}, "
      "0x{:02X}{}); silver quarantines the records holding them as invalid_utf8",
      what, repair.bytes, repair.bytes == 1 ? "" : "s", repair.first_offset, repair.first_line,
      repair.first_byte, repair.record.empty() ? "" : ", in the record " + repair.record);
  return true;
}

Status CheckUtf8(std::string_view text, const std::string& what) {
  std::optional<size_t> offset = FirstInvalidUtf8(text);
  constexpr size_t kLongestSequence = 4;
  if (!offset || (*offset + kLongestSequence > text.size() &&
                  static_cast<unsigned char>(text[*offset]) >= 0xC2)) {
    return Status::Ok();  // valid, or a sequence cut at the end: a truncated body, not bad bytes
  }
  std::string record = NearestRecordId(text, *offset);
  return InvalidArgument(fmt::format(
      "{}: invalid UTF-8 at byte {} (0x{:02X}){}; JSON must be UTF-8, nothing of it was landed",
      what, *offset, static_cast<unsigned char>(text[*offset]),
      record.empty() ? "" : ", in the record " + record));
}

}  // namespace dhl::source
