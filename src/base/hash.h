// Hashing and randomness from OpenSSL's libcrypto: SHA-256, HMAC-SHA256 (personal data is hashed
// with it before it reaches any table), cryptographically random bytes and version-4 UUIDs.
#pragma once

#include <string>
#include <string_view>

namespace dhl {

std::string Sha256Hex(std::string_view data);
// Lower-case hex of HMAC-SHA256(key, data).
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// `count` random bytes (CSPRNG). Aborts if the system has no entropy source.
std::string RandomBytes(size_t count);
std::string HexEncode(std::string_view bytes);
// A random RFC 4122 version-4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string Uuid4();

}  // namespace dhl
