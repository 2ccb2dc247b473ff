// DecodeKeySet / EncodeKeySet: the key set as clients upload it, and every hostile or
// mistaken upload refused as INVALID_ARGUMENT before any work.
#include "infip/audit/key_upload.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "audit_test_util.h"
#include "infip/io/npy.h"

namespace infip::audit {
namespace {

using testing::MakeKeys;

KeySetUpload Upload(const torch::Tensor& inputs, std::vector<double> low = {0.0},
                    std::vector<double> high = {1.0}) {
  absl::StatusOr<std::string> npy = io::SerializeNpy(inputs);
  EXPECT_TRUE(npy.ok()) << npy.status();
  return KeySetUpload{npy.ok() ? *npy : std::string(), std::move(low), std::move(high),
                      "resize=32x32 color=gray"};
}

// A hand-written .npy: numpy's header dict padded to 64 bytes, then `data`.
std::string Npy(const std::string& dict, const std::string& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

void ExpectInvalid(const KeySetUpload& upload, const std::string& mentions,
                   const Limits& limits = {}) {
  const absl::Status s = DecodeKeySet(upload, limits).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << mentions << ": " << s;
  EXPECT_NE(s.message().find(mentions), absl::string_view::npos)
      << "\"" << mentions << "\" not in: " << s;
}

TEST(KeyUploadTest, RoundTripKeepsTheBatchAndItsHash) {
  const io::KeySet keys = MakeKeys(5, 3, 16, 12, 3);
  absl::StatusOr<KeySetUpload> upload = EncodeKeySet(keys);
  ASSERT_TRUE(upload.ok()) << upload.status();
  absl::StatusOr<io::KeySet> back = DecodeKeySet(*upload, Limits{});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(torch::equal(back->inputs, keys.inputs));
  EXPECT_EQ(back->sha256, keys.sha256);
  EXPECT_EQ(back->box_low, keys.box_low);
  EXPECT_EQ(back->box_high, keys.box_high);
  EXPECT_EQ(back->preprocessing, keys.preprocessing);
  ASSERT_EQ(back->names.size(), 5u);
  EXPECT_EQ(back->names[0], "key:0");
  EXPECT_EQ(back->names[4], "key:4");
}

TEST(KeyUploadTest, OneBoxValueAppliesToEveryChannel) {
  const torch::Tensor x = torch::full({2, 3, 4, 4}, -0.5f);
  absl::StatusOr<io::KeySet> keys = DecodeKeySet(Upload(x, {-1.0}, {2.0}), Limits{});
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->box_low, (std::vector<double>{-1.0, -1.0, -1.0}));
  EXPECT_EQ(keys->box_high, (std::vector<double>{2.0, 2.0, 2.0}));
  EXPECT_EQ(keys->sha256, io::KeySetSha256(x));
}

TEST(KeyUploadTest, Float64IsReadAsFloat32) {
  const torch::Tensor x = torch::rand({2, 1, 4, 4}, torch::kFloat64);
  std::string data(static_cast<const char*>(x.data_ptr()), x.nbytes());
  KeySetUpload upload{
      Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1, 4, 4), }", data),
      {0.0},
      {1.0},
      ""};
  absl::StatusOr<io::KeySet> keys = DecodeKeySet(upload, Limits{});
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_TRUE(torch::equal(keys->inputs, x.to(torch::kFloat)));
}

TEST(KeyUploadTest, HostileBytesAreRefused) {
  const torch::Tensor x = torch::rand({2, 1, 4, 4});
  const std::string good = Upload(x).npy;
  const auto with = [](std::string npy) { return KeySetUpload{std::move(npy), {0.0}, {1.0}, ""}; };
  ExpectInvalid(with(""), "no .npy bytes");
  ExpectInvalid(with("PK\x03\x04 this is a zip"), "key set");
  ExpectInvalid(with(good.substr(0, good.size() - 3)), "data section");
  ExpectInvalid(with(good.substr(0, 20)), "key set");
  ExpectInvalid(with(good + "xx"), "data section");
  // A header that promises far more than it holds, and more than may ever be allocated.
  ExpectInvalid(
      with(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 3, 4096, 4096), }", "")),
      "key set");
  ExpectInvalid(with(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 1, 4, 4), }", "")),
                "key set");
  ExpectInvalid(
      with(Npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1, 1, 1), }", "abcd")),
      "key set");
  ExpectInvalid(
      with(Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1, 1, 1), }", "abcd")),
      "key set");
  ExpectInvalid(with(Npy("{'descr': __import__('os'), 'shape': (1,), }", "abcd")), "key set");
}

TEST(KeyUploadTest, WrongArraysAreRefused) {
  ExpectInvalid(Upload(torch::rand({2, 4, 4})), "N x C x H x W");
  ExpectInvalid(Upload(torch::zeros({2, 1, 4, 4}, torch::kUInt8)), "float32");
  ExpectInvalid(Upload(torch::rand({0, 1, 4, 4})), "no keys");
  ExpectInvalid(Upload(torch::rand({2, 1, 0, 4})), "positive");
}

TEST(KeyUploadTest, BadValuesAndBoxesAreRefused) {
  torch::Tensor nan = torch::rand({2, 1, 4, 4});
  nan[1][0][2][3] = std::numeric_limits<float>::quiet_NaN();
  ExpectInvalid(Upload(nan), "key 1 channel 0");
  torch::Tensor inf = torch::rand({2, 1, 4, 4});
  inf[0][0][0][0] = std::numeric_limits<float>::infinity();
  ExpectInvalid(Upload(inf), "not a finite number");
  // Normalised inputs sent with the default box.
  ExpectInvalid(Upload(torch::full({1, 1, 4, 4}, -1.5f)), "outside the box");

  const torch::Tensor x = torch::rand({2, 3, 4, 4});
  ExpectInvalid(Upload(x, {0.0, 0.0}, {1.0, 1.0}), "box_low has 2 values");
  ExpectInvalid(Upload(x, {}, {1.0}), "box_low has 0 values");
  ExpectInvalid(Upload(x, {1.0}, {0.0}), "must be below");
  ExpectInvalid(Upload(x, {0.0}, {std::numeric_limits<double>::infinity()}), "box_high[0]");
}

TEST(KeyUploadTest, LimitsAreEnforced) {
  const KeySetUpload upload = Upload(torch::rand({5, 1, 4, 4}));
  Limits few_keys;
  few_keys.max_keys = 4;
  ExpectInvalid(upload, "5 keys", few_keys);
  Limits few_bytes;
  few_bytes.max_key_set_bytes = static_cast<int64_t>(upload.npy.size()) - 1;
  ExpectInvalid(upload, "bytes", few_bytes);
  KeySetUpload long_text = upload;
  long_text.preprocessing = std::string(5000, 'x');
  ExpectInvalid(long_text, "preprocessing");
  Limits exact;
  exact.max_keys = 5;
  exact.max_key_set_bytes = static_cast<int64_t>(upload.npy.size());
  EXPECT_TRUE(DecodeKeySet(upload, exact).ok());
}

TEST(KeyUploadTest, EncodeRefusesWhatIsNotAKeyBatch) {
  io::KeySet keys;
  EXPECT_EQ(EncodeKeySet(keys).status().code(), absl::StatusCode::kInvalidArgument);
  keys.inputs = torch::zeros({2, 2}, torch::kFloat);
  EXPECT_EQ(EncodeKeySet(keys).status().code(), absl::StatusCode::kInvalidArgument);
  keys.inputs = torch::zeros({1, 1, 2, 2}, torch::kInt64);
  EXPECT_EQ(EncodeKeySet(keys).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infip::audit
