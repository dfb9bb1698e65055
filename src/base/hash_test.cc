#include "base/hash.h"

#include <gtest/gtest.h>

#include <regex>

namespace dhl {
namespace {

// Reference values: FIPS 180-2 (SHA-256 of "abc") and RFC 4231 test case 2 (HMAC-SHA256).
TEST(HashTest, Sha256KnownAnswer) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// FIPS 180-2's two-block message, given in pieces (split inside a block), and then again: the
// hasher starts empty after each digest.
TEST(HashTest, Sha256GivenInPiecesKnownAnswer) {
  const std::string expected = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
  Sha256 hasher;
  for (int round = 0; round < 2; ++round) {
    hasher.Update("abcdbcdecdefdefgefghfghighij");
    hasher.Update("");
    hasher.Update("hijkijkljklmklmnlmnomnopnopq");
    EXPECT_EQ(hasher.FinishHex(), expected);
  }
  EXPECT_EQ(hasher.FinishHex(), Sha256Hex(""));
}

TEST(HashTest, HmacSha256Rfc4231) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HashTest, Uuid4HasTheRfcShape) {
  std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::string a = Uuid4();
  std::string b = Uuid4();
  EXPECT_TRUE(std::regex_match(a, shape)) << a;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace dhl
