// Decryption of DHIS2's encrypted tracked entity attribute values against vectors made outside
// dhis2lake (tests/data/source/dhis2-encryption): by the OpenSSL command line from the documented
// byte layout (make_vectors.sh), and by Jasypt 1.9.3 with BouncyCastle configured as dhis2-core's
// aes128StringEncryptor bean (Dhis2Encrypt.java). See PROVENANCE.md there.
#include "source/dhis2_encryption.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
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

// The encryptor given each vector's salt (its first 16 bytes) writes exactly the vector: the same
// bytes as OpenSSL's command line and Jasypt made.
TEST(Dhis2ValueEncryptor, WithAVectorsSaltWritesExactlyTheVector) {
  int checked = 0;
  for (const char* file : {"openssl_vectors.tsv", "jasypt_vectors.tsv"}) {
    for (const Vector& vector : ReadVectors(file)) {
      std::string salt = Base64Decode(vector.encrypted).value_or("").substr(0, 16);
      Result<std::string> encrypted =
          Dhis2ValueEncryptor(vector.password).EncryptWithSalt(vector.clear, salt);
      ASSERT_TRUE(encrypted.ok()) << encrypted.status().ToString();
      EXPECT_EQ(*encrypted, vector.encrypted) << file << " \"" << vector.clear << "\"";
      ++checked;
    }
  }
  EXPECT_EQ(checked, 14);
  EXPECT_FALSE(Dhis2ValueEncryptor("x").EncryptWithSalt("a", "short").ok());
}

// A fresh salt each time: the same text encrypts differently, and decrypts back, with lengths of
// 16 bytes of salt plus the padded blocks.
TEST(Dhis2ValueEncryptor, RoundTripsWithARandomSaltPerValue) {
  Dhis2ValueEncryptor encryptor(kDhis2DefaultEncryptionPassword);
  Dhis2ValueDecryptor decryptor(kDhis2DefaultEncryptionPassword);
  std::set<std::string> salts;
  for (const std::string& clear :
       {std::string(""), std::string("Jane"), std::string(15, 'a'), std::string(16, 'b'),
        std::string(17, 'c'), std::string("Nakato Zoë Ḿ 名前 🙂"), std::string(1000, 'z')}) {
    for (int i = 0; i < 3; ++i) {
      Result<std::string> encrypted = encryptor.Encrypt(clear);
      ASSERT_TRUE(encrypted.ok()) << encrypted.status().ToString();
      std::string bytes = Base64Decode(*encrypted).value_or("");
      EXPECT_EQ(bytes.size(), 16 + (clear.size() / 16 + 1) * 16) << clear;
      salts.insert(bytes.substr(0, 16));
      EXPECT_EQ(decryptor.Decrypt(*encrypted).ValueOr("<error>"), clear);
      EXPECT_FALSE(Dhis2ValueDecryptor("J7GhAs287hsSQlKd9g6").Decrypt(*encrypted).ok());
    }
  }
  EXPECT_EQ(salts.size(), 21u);
}

// What the encryptor writes with a random salt, decrypted by OpenSSL's command line alone, the way
// make_vectors.sh encrypts (PKCS12KDF for key and iv, then `openssl enc -d -aes-128-cbc`).
TEST(Dhis2ValueEncryptor, OpenSslsCommandLineDecryptsIt) {
  if (std::system("openssl kdf -help >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no OpenSSL 3 command line";
  }
  const std::string password = "Ünïcødé-Ωmega-päss-wörd-2024";
  const std::string clear = "Akello Nakato, +256 772 123456";
  Result<std::string> encrypted = Dhis2ValueEncryptor(password).Encrypt(clear);
  ASSERT_TRUE(encrypted.ok());
  std::string bytes = Base64Decode(*encrypted).value_or("");
  ASSERT_GE(bytes.size(), 32u);
  auto hex = [](std::string_view data) {
    std::string out;
    for (unsigned char c : data) out += fmt::format("{:02x}", c);
    return out;
  };
  std::string pass;  // the password as a BMPString: UTF-16BE (all BMP here) and two zero bytes
  for (char32_t c : std::u32string{U"Ünïcødé-Ωmega-päss-wörd-2024"}) {
    pass += fmt::format("{:04x}", static_cast<uint32_t>(c));
  }
  pass += "0000";
  std::filesystem::path body = std::filesystem::temp_directory_path() /
                               ("dhl_encryptor_" + std::to_string(::getpid()) + ".bin");
  std::ofstream(body, std::ios::binary) << bytes.substr(16);
  auto kdf = [&](int id) {
    return fmt::format(
        "$(openssl kdf -keylen 16 -kdfopt digest:SHA256 -kdfopt hexpass:{} -kdfopt hexsalt:{} "
        "-kdfopt iter:1000 -kdfopt id:{} PKCS12KDF | tr -d :)",
        pass, hex(bytes.substr(0, 16)), id);
  };
  std::string command = fmt::format("bash -c 'openssl enc -d -aes-128-cbc -K {} -iv {} -in {}'",
                                    kdf(1), kdf(2), body.string());
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[256];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) out.append(buffer, n);
  EXPECT_EQ(::pclose(pipe), 0);
  std::filesystem::remove(body);
  EXPECT_EQ(out, clear);
}

}  // namespace
}  // namespace dhl::source
