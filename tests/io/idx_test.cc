#include "infip/io/idx.h"

#include <filesystem>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"
#include "io/io_test_util.h"

namespace infip::io {
namespace {

using testing::ReadBytes;
using testing::RunPython;
using testing::ScratchDir;
using testing::WriteBytes;

constexpr char kImages[] = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
constexpr char kLabels[] = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";

std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string IdxImages(uint32_t n, uint32_t h, uint32_t w, const std::string& data) {
  return BigEndian32(0x803) + BigEndian32(n) + BigEndian32(h) + BigEndian32(w) + data;
}

// Python's own parse of the same files (gzip + struct), printed as lines of numbers.
std::string PythonSummary(const ScratchDir& dir) {
  return RunPython(dir, absl::StrReplaceAll(R"(
import gzip, struct
with gzip.open('IMAGES', 'rb') as f:
    b = f.read()
magic, n, h, w = struct.unpack('>IIII', b[:16])
px = b[16:]
print(magic, n, h, w, len(px))
print(sum(px))
print(' '.join(str(px[i]) for i in [0, 28 * 14 + 14, 784 + 300, 784 * 9999 + 783, 784 * 5000 + 400]))
with gzip.open('LABELS', 'rb') as f:
    b = f.read()
magic, n = struct.unpack('>II', b[:8])
print(magic, n, sum(b[8:]))
print(' '.join(str(x) for x in b[8:28]))
with open('plain.idx', 'wb') as f:
    f.write(gzip.open('IMAGES', 'rb').read())
)",
                                            {{"IMAGES", kImages}, {"LABELS", kLabels}}));
}

TEST(IdxTest, ReadsRealFashionMnistLikePython) {
  ASSERT_TRUE(std::filesystem::exists(kImages)) << kImages;
  ScratchDir dir;
  std::istringstream python(PythonSummary(dir));
  int64_t magic, n, h, w, data_len, sum;
  python >> magic >> n >> h >> w >> data_len >> sum;
  ASSERT_TRUE(python.good()) << python.str();
  EXPECT_EQ(magic, 0x803);
  EXPECT_EQ(n, 10000);
  EXPECT_EQ(data_len, 10000 * 28 * 28);

  auto images = ReadIdx(kImages);
  ASSERT_TRUE(images.ok()) << images.status();
  ASSERT_EQ(images->scalar_type(), torch::kUInt8);
  ASSERT_EQ(images->sizes(), (std::vector<int64_t>{n, 1, h, w}));
  EXPECT_EQ(images->sum().item<int64_t>(), sum);
  const uint8_t* px = images->data_ptr<uint8_t>();
  for (int64_t index : {int64_t{0}, int64_t{28 * 14 + 14}, int64_t{784 + 300},
                        int64_t{784 * 9999 + 783}, int64_t{784 * 5000 + 400}}) {
    int expected;
    python >> expected;
    EXPECT_EQ(px[index], expected) << "pixel " << index;
  }
  EXPECT_GT(images->max().item<int>(), 0);  // not a buffer of zeros

  int64_t label_magic, label_n, label_sum;
  python >> label_magic >> label_n >> label_sum;
  auto labels = ReadIdx(kLabels);
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(label_magic, 0x801);
  ASSERT_EQ(labels->sizes(), (std::vector<int64_t>{label_n}));
  EXPECT_EQ(labels->sum().item<int64_t>(), label_sum);
  for (int i = 0; i < 20; ++i) {
    int expected;
    python >> expected;
    EXPECT_EQ(labels->data_ptr<uint8_t>()[i], expected) << "label " << i;
  }
  ASSERT_FALSE(python.fail());

  // The same bytes uncompressed read the same.
  auto plain = ReadIdx(dir.Path("plain.idx"));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_TRUE(torch::equal(*plain, *images));
}

TEST(IdxTest, ReadsSmallPlainFile) {
  ScratchDir dir;
  std::string data;
  for (int i = 0; i < 2 * 2 * 3; ++i) data.push_back(static_cast<char>(i * 20));
  WriteBytes(dir.Path("small"), IdxImages(2, 2, 3, data));
  auto images = ReadIdx(dir.Path("small"));
  ASSERT_TRUE(images.ok()) << images.status();
  ASSERT_EQ(images->sizes(), (std::vector<int64_t>{2, 1, 2, 3}));
  // Row-major, image after image.
  EXPECT_EQ((*images)[0][0][1][2].item<int>(), 5 * 20);
  EXPECT_EQ((*images)[1][0][0][1].item<int>(), 7 * 20);
}

TEST(IdxTest, RejectsDefectiveFiles) {
  ScratchDir dir;
  const std::string nine(9, '\x01');
  const std::pair<std::string, std::string> cases[] = {
      {IdxImages(1, 3, 3, nine.substr(0, 8)), "truncated"},
      {IdxImages(1, 3, 3, nine + "x"), "trailing bytes"},
      {BigEndian32(0x804) + nine, "bad IDX magic"},
      {BigEndian32(0x0d03) + BigEndian32(1) + BigEndian32(3) + BigEndian32(3) + nine,
       "bad IDX magic"},
      {"\x89PNG\r\n\x1a\n", "bad IDX magic"},
      {std::string("\0\0", 2), "too short"},
      {BigEndian32(0x803) + BigEndian32(1), "inside the IDX header"},
      {IdxImages(1, 0, 3, ""), "dimension is 0"},
      // Absurd sizes are refused from the header, before allocating.
      {IdxImages(0xffffffffu, 0xffffffffu, 0xffffffffu, nine), "exceed the limit"},
      {IdxImages(70000, 1000, 1000, nine), "exceed the limit"},
  };
  for (const auto& [bytes, why] : cases) {
    WriteBytes(dir.Path("bad.idx"), bytes);
    auto read = ReadIdx(dir.Path("bad.idx"));
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << why;
    EXPECT_NE(read.status().message().find(why), std::string::npos) << read.status();
    EXPECT_NE(read.status().message().find("bad.idx"), std::string::npos) << read.status();
  }
  EXPECT_EQ(ReadIdx(dir.Path("missing.idx")).status().code(), absl::StatusCode::kNotFound);
}

TEST(IdxTest, RejectsTruncatedOrCorruptGzip) {
  ScratchDir dir;
  const std::string gz = ReadBytes(kImages);
  ASSERT_GT(gz.size(), 100000u);
  WriteBytes(dir.Path("half.gz"), gz.substr(0, gz.size() / 2));
  auto half = ReadIdx(dir.Path("half.gz"));
  EXPECT_EQ(half.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(half.status().message().find("truncated"), std::string::npos) << half.status();
  // Cut inside the 8-byte trailer: all the data inflates, but the CRC is never confirmed.
  WriteBytes(dir.Path("no_trailer.gz"), gz.substr(0, gz.size() - 4));
  EXPECT_EQ(ReadIdx(dir.Path("no_trailer.gz")).status().code(), absl::StatusCode::kInvalidArgument);
  // A flipped bit in the stored CRC.
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 8] ^= 1;
  WriteBytes(dir.Path("bad_crc.gz"), bad_crc);
  auto crc = ReadIdx(dir.Path("bad_crc.gz"));
  EXPECT_EQ(crc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(crc.status().message().find("corrupt gzip"), std::string::npos) << crc.status();
  // Junk in the middle of the deflate data.
  std::string junk = gz;
  for (size_t i = gz.size() / 3; i < gz.size() / 3 + 64; ++i) junk[i] = static_cast<char>(i);
  WriteBytes(dir.Path("junk.gz"), junk);
  EXPECT_EQ(ReadIdx(dir.Path("junk.gz")).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infip::io
