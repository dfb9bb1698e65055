#include "source/dhis2_encryption.h"

#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>

#include <memory>

#include "base/text.h"
#include "source/invalid_utf8.h"

namespace dhl::source {
namespace {

constexpr int kBlock = 16;  // AES block, Jasypt's salt size, key and iv size
constexpr int kIterations = 1000;

struct CipherContextFree {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

// An AES-128-CBC context set up to encrypt (or decrypt) with the key and iv of `password` and
// `salt` (kBlock bytes): PKCS#12 SHA-256, ids 1 and 2.
Result<CipherContext> AesContext(const std::string& password, unsigned char* salt, bool encrypt) {
  unsigned char key[kBlock];
  unsigned char iv[kBlock];
  if (PKCS12_key_gen_utf8(password.data(), static_cast<int>(password.size()), salt, kBlock,
                          PKCS12_KEY_ID, kIterations, kBlock, key, EVP_sha256()) != 1 ||
      PKCS12_key_gen_utf8(password.data(), static_cast<int>(password.size()), salt, kBlock,
                          PKCS12_IV_ID, kIterations, kBlock, iv, EVP_sha256()) != 1) {
    return InvalidArgument("the encryption key is not UTF-8 text");
  }
  CipherContext context(EVP_CIPHER_CTX_new());
  if (!context ||
      EVP_CipherInit_ex(context.get(), EVP_aes_128_cbc(), nullptr, key, iv, encrypt ? 1 : 0) != 1) {
    return Internal("OpenSSL could not set up AES-128-CBC");
  }
  return context;
}

}  // namespace

Result<std::string> Dhis2ValueEncryptor::Encrypt(std::string_view clear) const {
  unsigned char salt[kBlock];
  if (RAND_bytes(salt, kBlock) != 1) {
    return Internal("OpenSSL could not draw a random salt");
  }
  return EncryptWithSalt(clear, std::string_view(reinterpret_cast<const char*>(salt), kBlock));
}

Result<std::string> Dhis2ValueEncryptor::EncryptWithSalt(std::string_view clear,
                                                         std::string_view salt) const {
  if (salt.size() != kBlock) {
    return InvalidArgument("a DHIS2 encryption salt is 16 bytes");
  }
  std::string bytes(salt);
  bytes.resize(kBlock + (clear.size() / kBlock + 1) * kBlock);  // PKCS#7 adds 1 to 16 bytes
  auto* salt_bytes = reinterpret_cast<unsigned char*>(bytes.data());
  DHL_ASSIGN_OR_RETURN(CipherContext context, AesContext(password_, salt_bytes, /*encrypt=*/true));
  int written = 0;
  int last = 0;
  auto* out = salt_bytes + kBlock;
  if (EVP_EncryptUpdate(context.get(), out, &written,
                        reinterpret_cast<const unsigned char*>(clear.data()),
                        static_cast<int>(clear.size())) != 1 ||
      EVP_EncryptFinal_ex(context.get(), out + written, &last) != 1) {
    return Internal("OpenSSL could not encrypt with AES-128-CBC");
  }
  bytes.resize(static_cast<size_t>(kBlock + written + last));
  return Base64Encode(bytes);
}

Result<std::string> Dhis2ValueDecryptor::Decrypt(std::string_view encrypted) const {
  std::optional<std::string> bytes = Base64Decode(encrypted);
  if (!bytes) {
    return InvalidArgument("not a value DHIS2 encrypted: not base64");
  }
  if (bytes->size() < 2 * kBlock || bytes->size() % kBlock != 0) {
    return InvalidArgument(
        "not a value DHIS2 encrypted: not a 16-byte salt and whole 16-byte blocks");
  }
  auto* salt = reinterpret_cast<unsigned char*>(bytes->data());
  DHL_ASSIGN_OR_RETURN(CipherContext context, AesContext(password_, salt, /*encrypt=*/false));
  std::string clear(bytes->size(), '\0');
  int written = 0;
  int last = 0;
  auto* body = salt + kBlock;
  auto* out = reinterpret_cast<unsigned char*>(clear.data());
  if (EVP_DecryptUpdate(context.get(), out, &written, body,
                        static_cast<int>(bytes->size()) - kBlock) != 1 ||
      EVP_DecryptFinal_ex(context.get(), out + written, &last) != 1) {
    return InvalidArgument("the key does not decrypt it (the padding does not check)");
  }
  clear.resize(static_cast<size_t>(written + last));
  if (FirstInvalidUtf8(clear)) {
    return InvalidArgument("the key does not decrypt it (the clear text is not UTF-8)");
  }
  return clear;
}

}  // namespace dhl::source
