// Values DHIS2 stores encrypted: trackedentityattributevalue.encryptedvalue, the values of
// confidential tracked entity attributes (2.38-2.42; later versions dropped the column). dhis2-core
// writes them with its `aes128StringEncryptor` bean (HibernateEncryptionConfig): Jasypt 1.9.3's
// PooledPBEStringEncryptor, algorithm PBEWITHSHA256AND128BITAES-CBC-BC (BouncyCastle), a random
// salt, 1000 key obtention iterations, base64 output, password dhis.conf's `encryption.password`
// (DHIS2's built-in "J7GhAs287hsSQlKd9g5" when dhis.conf sets none). As bytes:
//   base64( salt[16] || AES-128-CBC(key, iv, PKCS#7 padding, the value's UTF-8) )
// with key and iv from the PKCS#12 key derivation (RFC 7292 appendix B; SHA-256, 1000 iterations,
// the password as a BMPString: UTF-16BE and two zero bytes), id 1 for the key and id 2 for the iv:
// Jasypt sets the salt size to the cipher's block size and adds no iv of its own, so BouncyCastle
// derives it. All of it through OpenSSL's libcrypto (PKCS12_key_gen_utf8, EVP AES). Each value
// costs two 1000-iteration derivations (about 0.5 ms), and the salt differs per value, so nothing
// can be cached.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace dhl::source {

// dhis2-core's built-in encryption.password, used when dhis.conf sets none.
inline constexpr const char* kDhis2DefaultEncryptionPassword = "J7GhAs287hsSQlKd9g5";

class Dhis2ValueDecryptor {
 public:
  // `password`: dhis.conf's encryption.password ([postgres] encryption_key in the secrets file).
  explicit Dhis2ValueDecryptor(std::string password) : password_(std::move(password)) {}

  // The clear text of one stored value. InvalidArgument, never garbage, when `encrypted` is not
  // such a value or the password is not the one that encrypted it (the padding does not check, or
  // the text is not UTF-8, as a Java string always encodes to). The message says which, without
  // any of the value. Thread-safe.
  Result<std::string> Decrypt(std::string_view encrypted) const;

 private:
  std::string password_;
};

// Encrypts values as DHIS2 writes them (what the simulator stores for confidential attributes).
class Dhis2ValueEncryptor {
 public:
  explicit Dhis2ValueEncryptor(std::string password) : password_(std::move(password)) {}

  // `clear` encrypted with a fresh random 16-byte salt, as Jasypt's RandomSaltGenerator draws it.
  // Thread-safe.
  Result<std::string> Encrypt(std::string_view clear) const;

  // The same with a given salt (16 bytes): the same text each time, for tests.
  Result<std::string> EncryptWithSalt(std::string_view clear, std::string_view salt) const;

 private:
  std::string password_;
};

}  // namespace dhl::source
