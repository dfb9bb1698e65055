// Decryption of DHIS2's encrypted tracked entity attribute values against vectors made outside
// dhis2lake (tests/data/source/dhis2-encryption): by the OpenSSL command line from the documented
// byte layout (make_vectors.sh), and by Jasypt 1.9.3 with BouncyCastle configured as dhis2-core's
// aes128StringEncryptor bean (Dhis2Encrypt.java). See PROVENANCE.md there.
#include "source/dhis2_encryption.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "base/test_paths.h"
#include "base/text.h"

namespace dhl::source {
namespace {

struct Vector {
  std::string password;
  std::string clear;
  std::string encrypted;
};

std::vector<Vector> ReadVectors(const std::string& name) {
  std::ifstream in(std::string(DHL_SOURCE_DIR) + "/tests/data/source/dhis2-encryption/" + name);
  std::vector<Vector> vectors;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string_view> fields = Split(line, '\t');
    EXPECT_EQ(fields.size(), 3u) << line;
    if (fields.size() == 3) {
      vectors.push_back({std::string(fields[0]), std::string(fields[1]), std::string(fields[2])});
    }
  }
  return vectors;
}

TEST(Dhis2ValueDecryptor, DecryptsWhatOpenSslAndJasyptEncrypted) {
  for (const char* file : {"openssl_vectors.tsv", "jasypt_vectors.tsv"}) {
    std::vector<Vector> vectors = ReadVectors(file);
    ASSERT_GE(vectors.size(), 5u) << file;
    for (const Vector& vector : vectors) {
      Result<std::string> clear = Dhis2ValueDecryptor(vector.password).Decrypt(vector.encrypted);
      ASSERT_TRUE(clear.ok()) << file << " " << vector.encrypted << ": "
                              << clear.status().ToString();
      EXPECT_EQ(*clear, vector.clear) << file << " " << vector.encrypted;
    }
  }
}

// Every vector with every other password: an error each time, never a clear text (not even an
// empty one), and the message holds none of the value.
TEST(Dhis2ValueDecryptor, AWrongPasswordIsAnErrorNeverGarbage) {
  std::vector<Vector> vectors = ReadVectors("openssl_vectors.tsv");
  std::vector<Vector> jasypt = ReadVectors("jasypt_vectors.tsv");
  vectors.insert(vectors.end(), jasypt.begin(), jasypt.end());
  std::vector<std::string> passwords = {"J7GhAs287hsSQlKd9g5", "J7GhAs287hsSQlKd9g6",
                                        "xq3-Lm9!vR7#tB2@wN5$kP8%zz", "wrong"};
  int checked = 0;
  for (const Vector& vector : vectors) {
    for (const std::string& password : passwords) {
      if (password == vector.password) continue;
      Result<std::string> clear = Dhis2ValueDecryptor(password).Decrypt(vector.encrypted);
      ASSERT_FALSE(clear.ok()) << vector.encrypted << " with " << password << " gave \"" << *clear
                               << "\"";
      EXPECT_NE(clear.status().message().find("does not decrypt"), std::string::npos)
          << clear.status().ToString();
      if (!vector.clear.empty()) {
        EXPECT_EQ(clear.status().message().find(vector.clear), std::string::npos);
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 40);
}

TEST(Dhis2ValueDecryptor, TextThatIsNotAnEncryptedValueIsAnError) {
  Dhis2ValueDecryptor decryptor("J7GhAs287hsSQlKd9g5");
  // Jane Doe's value (openssl_vectors.tsv) made invalid in each way.
  const std::string value = "A7Q8xsNkww0nT/DbdXYCyHpoo0ed1Zj0D/k0klgdChU=";
  ASSERT_TRUE(decryptor.Decrypt(value).ok());
  for (const std::string& bad : {
           std::string("Jane Doe"),                  // clear text
           std::string(""),                          // nothing
           value.substr(0, 24),                      // the salt alone
           value.substr(0, value.size() - 4),        // a block cut short
           value + "AAAA",                           // 3 more bytes
           " " + value,                              // whitespace
           value.substr(0, value.size() - 1) + "V",  // non-canonical padding bits
           Base64Encode(std::string(*Base64Decode(value)).substr(0, 16) + std::string(32, 'x')),
       }) {
    Result<std::string> clear = decryptor.Decrypt(bad);
    EXPECT_FALSE(clear.ok()) << "\"" << bad << "\" gave \"" << (clear.ok() ? *clear : std::string())
                             << "\"";
  }
}

}  // namespace
}  // namespace dhl::source
