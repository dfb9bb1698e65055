#include "http/http_transport.h"

#include <algorithm>
#include <cctype>

#include "base/text.h"

namespace dhl::http {
namespace {

bool IsSecretParameter(std::string_view name) {
  std::string lower = AsciiLower(name);
  for (std::string_view secret : {"password", "token", "key", "secret"}) {
    if (lower.find(secret) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> HttpResponseHead::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) {
      return value;
    }
  }
  return std::nullopt;
}

std::string MaskUrl(std::string_view url) {
  std::string out(url);
  size_t scheme = out.find("://");
  size_t authority_start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t authority_end = out.find_first_of("/?#", authority_start);
  if (authority_end == std::string::npos) {
    authority_end = out.size();
  }
  size_t at = out.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority_start) {
    out.replace(authority_start, at - authority_start, "***");
  }
  size_t query = out.find('?');
  if (query == std::string::npos) {
    return out;
  }
  std::string masked = out.substr(0, query + 1);
  std::string_view rest = std::string_view(out).substr(query + 1);
  bool first = true;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (!first) {
      masked += '&';
    }
    first = false;
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && IsSecretParameter(pair.substr(0, eq))) {
      masked.append(pair.substr(0, eq + 1));
      masked += "***";
    } else {
      masked.append(pair);
    }
  }
  return masked;
}

}  // namespace dhl::http
