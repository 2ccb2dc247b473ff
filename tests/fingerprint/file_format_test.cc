// The .infip file: round trips, the layout on disk, and every way a file can be broken.
#include "infip/fingerprint/file_format.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "infip/fingerprint/crc32.h"
#include "test_sets.h"

namespace infip::fingerprint {
namespace {

using testing::MakeSet;

bool SameBits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<uint64_t>(a[i]) != std::bit_cast<uint64_t>(b[i])) return false;
  }
  return true;
}

void ExpectSameSet(const FingerprintSet& want, const FingerprintSet& got) {
  const FingerprintMetadata& a = want.metadata;
  const FingerprintMetadata& b = got.metadata;
  EXPECT_EQ(a.composite, b.composite);
  EXPECT_EQ(a.composite_rules, b.composite_rules);
  EXPECT_EQ(std::bit_cast<uint64_t>(a.lambda), std::bit_cast<uint64_t>(b.lambda));
  EXPECT_EQ(a.lambda_scaling, b.lambda_scaling);
  EXPECT_EQ(a.key_set_sha256, b.key_set_sha256);
  EXPECT_EQ(a.model_sha256, b.model_sha256);
  EXPECT_EQ(a.input_shape, b.input_shape);
  EXPECT_EQ(a.preprocessing, b.preprocessing);
  EXPECT_TRUE(SameBits(a.box_low, b.box_low));
  EXPECT_TRUE(SameBits(a.box_high, b.box_high));
  EXPECT_EQ(a.engine_version, b.engine_version);
  EXPECT_EQ(a.created_utc, b.created_utc);
  EXPECT_EQ(a.predicted, b.predicted);
  ASSERT_TRUE(got.images.defined());
  EXPECT_EQ(got.images.scalar_type(), torch::kUInt8);
  EXPECT_TRUE(torch::equal(want.images, got.images));
  ASSERT_EQ(want.key_preview.defined(), got.key_preview.defined());
  if (want.key_preview.defined()) {
    EXPECT_TRUE(torch::equal(want.key_preview, got.key_preview));
  }
}

std::string Serialized(bool with_preview) {
  absl::StatusOr<std::string> bytes = SerializeFingerprintSet(MakeSet(with_preview));
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

uint32_t U32At(const std::string& b, size_t off) {
  return static_cast<uint32_t>(static_cast<uint8_t>(b[off])) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[off + 1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(b[off + 2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(b[off + 3])) << 24;
}

std::string U32Le(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
  return s;
}

// An .infip file with the given header text and body and a correct checksum: for errors the
// CRC cannot catch (a writer's bug, not corruption).
std::string BuildFile(const std::string& header, const std::string& body) {
  std::string f = std::string("INFIPFS\n", 8) + U32Le(1) + U32Le(header.size()) + header + body;
  return f + U32Le(Crc32(f));
}

struct Parts {
  std::string header;
  std::string body;
};
Parts Split(const std::string& file) {
  const uint32_t len = U32At(file, 12);
  return {file.substr(16, len), file.substr(16 + len, file.size() - 16 - len - 4)};
}

// Replaces the whole line of `key` (or appends when absent) in a header text.
std::string WithLine(std::string header, const std::string& key, const std::string& line) {
  const size_t at = header.find(key + ":");
  if (at == std::string::npos) return header + line;
  const size_t end = header.find('\n', at);
  return header.replace(at, end + 1 - at, line);
}

void ExpectInvalid(std::string_view bytes, const std::string& message, const std::string& why) {
  const absl::StatusOr<FingerprintSet> set = ParseFingerprintSet(bytes);
  ASSERT_FALSE(set.ok()) << why;
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument) << why;
  EXPECT_NE(set.status().message().find(message), std::string::npos) << why << ": " << set.status();
}

TEST(FileFormatTest, RoundTripsEveryFieldWithPreview) {
  const absl::StatusOr<FingerprintSet> got = ParseFingerprintSet(Serialized(true));
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameSet(MakeSet(true), *got);
}

TEST(FileFormatTest, RoundTripsEveryFieldWithoutPreview) {
  const absl::StatusOr<FingerprintSet> got = ParseFingerprintSet(Serialized(false));
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameSet(MakeSet(false), *got);
  EXPECT_FALSE(got->key_preview.defined());
}

TEST(FileFormatTest, RoundTripsEmptyListsAndResolutionScaling) {
  FingerprintSet set = MakeSet(false);
  set.metadata.box_low.clear();
  set.metadata.box_high.clear();
  set.metadata.preprocessing = "";
  set.metadata.lambda_scaling = LambdaScaling::kResolution;
  set.metadata.lambda = 0.1;
  absl::StatusOr<std::string> bytes = SerializeFingerprintSet(set);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  const absl::StatusOr<FingerprintSet> got = ParseFingerprintSet(*bytes);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameSet(set, *got);
}

TEST(FileFormatTest, LayoutOnDisk) {
  const FingerprintSet set = MakeSet(true);
  const std::string f = Serialized(true);
  EXPECT_EQ(f.substr(0, 8), std::string("INFIPFS\n"));
  EXPECT_EQ(U32At(f, 8), kFormatVersion);
  EXPECT_EQ(kFormatVersion, 1u);
  const uint32_t len = U32At(f, 12);
  const std::string header = f.substr(16, len);
  EXPECT_EQ(header.substr(0, 16), "composite: dtd\nc");
  EXPECT_NE(header.find("\nlambda: 5000.000000000001\n"), std::string::npos) << header;
  EXPECT_NE(header.find("\nlambda_scaling: literal\n"), std::string::npos);
  EXPECT_NE(header.find("\ninput_shape: 3,12,12\n"), std::string::npos);
  EXPECT_NE(header.find("\npredicted: 3,0,-1,9223372036854775807\n"), std::string::npos);
  EXPECT_NE(header.find("\nbox_high: 0.3333333333333333,2.6399999999999997,inf\n"),
            std::string::npos);
  EXPECT_NE(header.find("key: tricky\\\\value\\nline2\\r\n"), std::string::npos) << header;
  EXPECT_NE(header.find("\nsections: fingerprints,key_preview\n"), std::string::npos);
  EXPECT_NE(header.find("\nsection.fingerprints.bytes: 576\n"), std::string::npos);
  EXPECT_NE(header.find("\nsection.key_preview.shape: 4,3,12,12\n"), std::string::npos);
  EXPECT_EQ(f.size(), 16 + len + 4 * 12 * 12 + 4 * 3 * 12 * 12 + 4);
  // Sections follow the header in the listed order, as raw row-major bytes.
  const torch::Tensor images = set.images.contiguous();
  EXPECT_EQ(f.compare(16 + len, 576, static_cast<const char*>(images.data_ptr()), 576), 0);
  const torch::Tensor preview = set.key_preview.contiguous();
  EXPECT_EQ(f.compare(16 + len + 576, 1728, static_cast<const char*>(preview.data_ptr()), 1728), 0);
  EXPECT_EQ(U32At(f, f.size() - 4), Crc32(std::string_view(f).substr(0, f.size() - 4)));
}

TEST(FileFormatTest, RejectsWrongMagic) {
  std::string f = Serialized(false);
  f[0] = 'X';
  ExpectInvalid(f, "bad magic", "first byte");
  ExpectInvalid("\x89PNG\r\n\x1a\n and more bytes than a prefix", "bad magic", "a PNG");
  ExpectInvalid("INFIPFS", "truncated", "7 bytes of the magic");
  ExpectInvalid("", "truncated", "empty");
}

TEST(FileFormatTest, RejectsUnknownVersion) {
  for (uint32_t v : {0u, 2u, 0x01000000u}) {
    std::string f = Serialized(false);
    f.replace(8, 4, U32Le(v));
    ExpectInvalid(f, "unsupported .infip format version " + std::to_string(v), "version");
  }
}

TEST(FileFormatTest, EveryFlippedByteIsCaught) {
  const std::string good = Serialized(true);
  const size_t data_start = 16 + U32At(good, 12);
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80}) {
      std::string f = good;
      f[i] = static_cast<char>(f[i] ^ mask);
      const absl::StatusOr<FingerprintSet> set = ParseFingerprintSet(f);
      ASSERT_FALSE(set.ok()) << "flip at " << i;
      EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument) << i;
      // In the sections and the trailer nothing but the checksum can notice.
      if (i >= data_start) {
        EXPECT_NE(set.status().message().find("checksum mismatch"), std::string::npos)
            << i << ": " << set.status();
      }
    }
  }
}

TEST(FileFormatTest, EveryTruncationIsCaught) {
  const std::string good = Serialized(true);
  const size_t header_end = 16 + U32At(good, 12);
  for (size_t n = 0; n < good.size(); ++n) {
    const absl::StatusOr<FingerprintSet> set =
        ParseFingerprintSet(std::string_view(good).substr(0, n));
    ASSERT_FALSE(set.ok()) << n;
    EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument) << n;
    EXPECT_NE(set.status().message().find("truncated"), std::string::npos)
        << n << ": " << set.status();
  }
  // Spot checks of the message at a few landmarks: in the prefix, the header, the sections.
  for (size_t n : {size_t{3}, size_t{12}, header_end - 1, header_end + 100, good.size() - 1}) {
    ExpectInvalid(std::string_view(good).substr(0, n), "truncated", std::to_string(n));
  }
}

TEST(FileFormatTest, TrailingBytesAreCorruption) {
  ExpectInvalid(Serialized(false) + "x", "checksum mismatch", "one extra byte");
}

TEST(FileFormatTest, RejectsMalformedHeaders) {
  const Parts p = Split(Serialized(false));
  struct Case {
    std::string header;
    std::string message;
  };
  const Case cases[] = {
      {WithLine(p.header, "lambda", "lambda 5000\n"), "line 3 is not 'key: value'"},
      {WithLine(p.header, "lambda", "lambda: abc\n"), "key 'lambda': 'abc' is not a number"},
      {WithLine(p.header, "lambda", "lambda: 5000 \n"), "is not a number"},
      {WithLine(p.header, "lambda", ""), "missing key 'lambda'"},
      {WithLine(p.header, "lambda", "lambda:5000\n"), "expected ': ' after 'lambda'"},
      {p.header + "composite: again\n", "key 'composite' appears twice"},
      {p.header + "Bad Key: x\n", "bad character in key"},
      {WithLine(p.header, "lambda_scaling", "lambda_scaling: linear\n"),
       "unknown lambda scaling 'linear'"},
      {WithLine(p.header, "input_shape", "input_shape: 3,12,,12\n"), "'' is not a number"},
      {WithLine(p.header, "predicted", "predicted: 3,0,1\n"),
       "predicted holds 3 classes for 4 keys"},
      {WithLine(p.header, "model_sha256", "model_sha256: a\\qb\n"), "unknown escape \\q"},
      {WithLine(p.header, "count", "count: 5\n"), "count 5 disagrees"},
      {WithLine(p.header, "section.fingerprints.shape", "section.fingerprints.shape: 4,12,11\n"),
       "holds 576 bytes but its shape needs 528"},
      {WithLine(p.header, "section.fingerprints.dtype", "section.fingerprints.dtype: float32\n"),
       "expected uint8"},
      {WithLine(p.header, "sections", "sections: \n"), "sections describe"},
      {WithLine(p.header, "sections", "sections: fingerprints,fingerprints\n"), "listed twice"},
      {p.header.substr(0, p.header.size() - 1), "must end with a newline"},
  };
  for (const Case& c : cases) ExpectInvalid(BuildFile(c.header, p.body), c.message, c.header);
  // No fingerprints section at all, sizes still consistent.
  ExpectInvalid(BuildFile(WithLine(WithLine(p.header, "sections", "sections: blob\n"),
                                   "section.fingerprints.bytes", "section.blob.bytes: 576\n"),
                          p.body),
                "no fingerprints section", "no fingerprints");
}

TEST(FileFormatTest, IgnoresUnknownKeysAndSectionsFromNewerWriters) {
  const Parts p = Split(Serialized(false));
  std::string header = WithLine(p.header, "sections", "sections: fingerprints,thumbnails\n");
  header += "future_key: some value\nsection.thumbnails.bytes: 5\n";
  const absl::StatusOr<FingerprintSet> got =
      ParseFingerprintSet(BuildFile(header, p.body + "abcde"));
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameSet(MakeSet(false), *got);
}

TEST(FileFormatTest, SerializeRejectsInvalidSets) {
  FingerprintSet set = MakeSet(false);
  set.metadata.predicted.clear();
  EXPECT_EQ(SerializeFingerprintSet(set).status().code(), absl::StatusCode::kInvalidArgument);
}

class FileFormatFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("infip_fp_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(FileFormatFileTest, WritesAtomicallyAndReadsBack) {
  const std::string path = (dir_ / "set.infip").string();
  ASSERT_TRUE(WriteFingerprintSetFile(MakeSet(false), path).ok());
  // Overwrite with a different set: the rename replaces the old file whole.
  ASSERT_TRUE(WriteFingerprintSetFile(MakeSet(true), path).ok());
  absl::StatusOr<FingerprintSet> got = ReadFingerprintSetFile(path);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameSet(MakeSet(true), *got);
  // No temp file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            1);
  std::ifstream in(path, std::ios::binary);
  const std::string on_disk((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(on_disk, Serialized(true));
}

TEST_F(FileFormatFileTest, MissingFileIsNotFound) {
  const std::string path = (dir_ / "absent.infip").string();
  const absl::StatusOr<FingerprintSet> got = ReadFingerprintSetFile(path);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find(path), std::string::npos) << got.status();
}

TEST_F(FileFormatFileTest, WriteIntoMissingDirectoryFailsCleanly) {
  const std::string path = (dir_ / "no" / "such" / "set.infip").string();
  const absl::Status s = WriteFingerprintSetFile(MakeSet(false), path);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find(path), std::string::npos) << s;
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(FileFormatFileTest, CorruptFileNamesThePath) {
  const std::string path = (dir_ / "bad.infip").string();
  std::ofstream(path, std::ios::binary) << "not a fingerprint file at all";
  const absl::StatusOr<FingerprintSet> got = ReadFingerprintSetFile(path);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(got.status().message().find(path + ": not an .infip"), std::string::npos)
      << got.status();
}

}  // namespace
}  // namespace infip::fingerprint
