#include "source/invalid_utf8.h"

#include <fmt/format.h>

#include <array>

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

}  // namespace

std::optional<size_t> FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned char low = 0x80;  // bounds of the second byte (overlongs, surrogates, > U+10FFFF)
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
      return i;
    }
    if (i + length > text.size()) {
      return i;
    }
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (next < low || next > high) : (next < 0x80 || next > 0xBF)) {
        return i;
      }
    }
    i += length;
  }
  return std::nullopt;
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
