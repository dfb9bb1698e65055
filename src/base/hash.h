// Hashing and randomness from OpenSSL's libcrypto: SHA-256, HMAC-SHA256 (personal data is hashed
// with it before it reaches any table), cryptographically random bytes and version-4 UUIDs.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace dhl {

std::string Sha256Hex(std::string_view data);

// SHA-256 of data given piece by piece (files hashed without holding them whole). Move-only; one
// instance per thread.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void Update(std::string_view data);
  // Lower-case hex of the digest of everything given; the hasher starts again empty.
  std::string FinishHex();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};
// Lower-case hex of HMAC-SHA256(key, data).
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// `count` random bytes (CSPRNG). Aborts if the system has no entropy source.
std::string RandomBytes(size_t count);
std::string HexEncode(std::string_view bytes);
// A random RFC 4122 version-4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string Uuid4();

}  // namespace dhl
