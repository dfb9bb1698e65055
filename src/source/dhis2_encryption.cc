#include "source/dhis2_encryption.h"

#include <openssl/evp.h>
#include <openssl/pkcs12.h>

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

}  // namespace

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
  unsigned char key[kBlock];
  unsigned char iv[kBlock];
  if (PKCS12_key_gen_utf8(password_.data(), static_cast<int>(password_.size()), salt, kBlock,
                          PKCS12_KEY_ID, kIterations, kBlock, key, EVP_sha256()) != 1 ||
      PKCS12_key_gen_utf8(password_.data(), static_cast<int>(password_.size()), salt, kBlock,
                          PKCS12_IV_ID, kIterations, kBlock, iv, EVP_sha256()) != 1) {
    return InvalidArgument("the encryption key is not UTF-8 text");
  }
  std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree> context(EVP_CIPHER_CTX_new());
  if (!context || EVP_DecryptInit_ex(context.get(), EVP_aes_128_cbc(), nullptr, key, iv) != 1) {
    return Internal("OpenSSL could not set up AES-128-CBC");
  }
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
