#include "infip/fingerprint/crc32.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace infip::fingerprint {
namespace {

TEST(Crc32Test, KnownVectors) {
  EXPECT_EQ(Crc32(""), 0x00000000u);
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  EXPECT_EQ(Crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
}

TEST(Crc32Test, ChainsLikeZlib) {
  const std::string a = "INFIPFS\n", b = "header: value\n";
  EXPECT_EQ(Crc32(b, Crc32(a)), Crc32(a + b));
}

TEST(Crc32Test, MatchesZlibOnRandomBytes) {
  std::mt19937_64 rng(5);
  for (size_t len : {1u, 7u, 255u, 4096u, 100003u}) {
    std::string bytes(len, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
    const uLong want =
        crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()));
    EXPECT_EQ(Crc32(bytes), static_cast<uint32_t>(want)) << len;
  }
}

}  // namespace
}  // namespace infip::fingerprint
