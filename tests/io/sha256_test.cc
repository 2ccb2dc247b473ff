#include "infip/io/sha256.h"

#include <string>

#include <gtest/gtest.h>

#include "io/io_test_util.h"

namespace infip::io {
namespace {

using testing::ScratchDir;

// FIPS 180-2 / NIST CSRC example vectors.
TEST(Sha256Test, NistVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, IncrementalUpdatesAndReuseAfterDigest) {
  Sha256 sha;
  sha.Update("a");
  sha.Update("");
  sha.Update("bc");
  EXPECT_EQ(sha.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // After a digest the object starts over.
  EXPECT_EQ(sha.HexDigest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha.Update("abc");
  EXPECT_EQ(sha.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, FileMatchesSha256sum) {
  ScratchDir dir;
  // Larger than the 1 MiB read chunk, and not a multiple of it, with every byte value.
  std::string bytes;
  for (int i = 0; i < 3 * (1 << 20) + 12345; ++i)
    bytes.push_back(static_cast<char>(i * 7 + i / 251));
  testing::WriteBytes(dir.Path("blob.bin"), bytes);
  const std::string sum = testing::RunCommand("sha256sum '" + dir.Path("blob.bin") + "'");
  ASSERT_GE(sum.size(), 64u);
  auto file_hash = Sha256File(dir.Path("blob.bin"));
  ASSERT_TRUE(file_hash.ok()) << file_hash.status();
  EXPECT_EQ(*file_hash, sum.substr(0, 64));
  EXPECT_EQ(Sha256Hex(bytes), sum.substr(0, 64));
}

TEST(Sha256Test, FileErrorsNameThePath) {
  ScratchDir dir;
  auto missing = Sha256File(dir.Path("nope.bin"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.bin"), std::string::npos);
  auto directory = Sha256File(dir.Path());
  EXPECT_EQ(directory.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(directory.status().message().find(dir.Path()), std::string::npos);
}

}  // namespace
}  // namespace infip::io
