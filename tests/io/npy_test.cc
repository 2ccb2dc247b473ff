#include "infip/io/npy.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "io/io_test_util.h"

namespace infip::io {
namespace {

using testing::ReadBytes;
using testing::RunPython;
using testing::ScratchDir;
using testing::WriteBytes;

// A header of our own making for the hostile-input cases.
std::string NpyV1(const std::string& dict, const std::string& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY\x01";
  out.push_back('\0');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + data;
}

TEST(NpyTest, Float32RoundTrip) {
  ScratchDir dir;
  const torch::Tensor t = torch::randn({2, 3, 5, 7});
  ASSERT_TRUE(WriteNpy(dir.Path("t.npy"), t).ok());
  const std::string bytes = ReadBytes(dir.Path("t.npy"));
  // numpy's layout: version 1.0 and the data starting on a 64-byte boundary.
  ASSERT_GT(bytes.size(), 10u);
  EXPECT_EQ(bytes[6], '\x01');
  const size_t header_len =
      static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_EQ(bytes.size(), 10 + header_len + t.numel() * 4);
  auto back = ReadNpy(dir.Path("t.npy"));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->scalar_type(), torch::kFloat);
  EXPECT_EQ(back->sizes(), t.sizes());
  EXPECT_TRUE(torch::equal(*back, t));
  auto parsed = ParseNpy(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(torch::equal(*parsed, t));
}

TEST(NpyTest, Uint8AndOddShapesRoundTrip) {
  ScratchDir dir;
  for (const torch::Tensor& t :
       {torch::arange(0, 256, torch::kLong).to(torch::kUInt8), torch::tensor(3.5f),
        torch::zeros({0, 4}, torch::kFloat), torch::ones({1, 1, 1, 1}, torch::kUInt8),
        // A non-contiguous view is written in logical C order.
        torch::arange(12, torch::kFloat).reshape({3, 4}).t()}) {
    ASSERT_TRUE(WriteNpy(dir.Path("t.npy"), t).ok());
    auto back = ReadNpy(dir.Path("t.npy"));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->scalar_type(), t.scalar_type());
    EXPECT_EQ(back->sizes(), t.sizes());
    EXPECT_TRUE(torch::equal(*back, t));
  }
}

TEST(NpyTest, WriteRejectsOtherDtypes) {
  ScratchDir dir;
  EXPECT_EQ(WriteNpy(dir.Path("d.npy"), torch::zeros({2}, torch::kDouble)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteNpy(dir.Path("u.npy"), torch::Tensor()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.Path("d.npy")));
}

TEST(NpyTest, ReadsWhatNumpyWrites) {
  ScratchDir dir;
  const std::string out = RunPython(dir, R"(
import numpy as np
a = (np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 3).astype(np.float32)
np.save('f4.npy', a)
np.save('f8.npy', np.array([[1 / 3, -2.5e-8], [1e30, 7.0]], dtype=np.float64))
np.save('u1.npy', np.arange(6, dtype=np.uint8).reshape(3, 2) * 40)
np.save('i8.npy', np.array([-5, 1 << 40], dtype=np.int64))
for v in [(2, 0), (3, 0)]:
    with open('v%d.npy' % v[0], 'wb') as f:
        np.lib.format.write_array(f, a, version=v)
np.save('fortran.npy', np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.save('big_endian.npy', a.astype('>f4'))
np.save('i4.npy', np.arange(3, dtype=np.int32))
np.save('structured.npy', np.zeros(2, dtype=[('x', '<f4'), ('y', '<f4')]))
print('done')
)");
  ASSERT_NE(out.find("done"), std::string::npos) << out;

  for (const char* name : {"f4.npy", "v2.npy", "v3.npy"}) {
    auto a = ReadNpy(dir.Path(name));
    ASSERT_TRUE(a.ok()) << name << ": " << a.status();
    ASSERT_EQ(a->sizes(), (std::vector<int64_t>{2, 3, 4})) << name;
    ASSERT_EQ(a->scalar_type(), torch::kFloat);
    const float* v = a->data_ptr<float>();
    for (int i = 0; i < 24; ++i) EXPECT_EQ(v[i], i * 0.5f - 3.0f) << name << " @" << i;
  }
  auto f8 = ReadNpy(dir.Path("f8.npy"));
  ASSERT_TRUE(f8.ok()) << f8.status();
  ASSERT_EQ(f8->scalar_type(), torch::kFloat);
  ASSERT_EQ(f8->sizes(), (std::vector<int64_t>{2, 2}));
  const float* v = f8->data_ptr<float>();
  EXPECT_EQ(v[0], static_cast<float>(1.0 / 3.0));
  EXPECT_EQ(v[1], static_cast<float>(-2.5e-8));
  EXPECT_EQ(v[2], static_cast<float>(1e30));
  EXPECT_EQ(v[3], 7.0f);

  auto u1 = ReadNpy(dir.Path("u1.npy"));
  ASSERT_TRUE(u1.ok()) << u1.status();
  ASSERT_EQ(u1->scalar_type(), torch::kUInt8);
  EXPECT_TRUE(torch::equal(*u1, (torch::arange(6).reshape({3, 2}) * 40).to(torch::kUInt8)));
  auto i8 = ReadNpy(dir.Path("i8.npy"));
  ASSERT_TRUE(i8.ok()) << i8.status();
  ASSERT_EQ(i8->scalar_type(), torch::kLong);
  EXPECT_EQ(i8->data_ptr<int64_t>()[0], -5);
  EXPECT_EQ(i8->data_ptr<int64_t>()[1], int64_t{1} << 40);

  const std::pair<const char*, const char*> rejected[] = {{"fortran.npy", "Fortran"},
                                                          {"big_endian.npy", "big-endian"},
                                                          {"i4.npy", "<i4"},
                                                          {"structured.npy", "structured"}};
  for (const auto& [name, why] : rejected) {
    auto r = ReadNpy(dir.Path(name));
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find(name), std::string::npos) << r.status();
  }
}

TEST(NpyTest, NumpyReadsWhatWeWrite) {
  ScratchDir dir;
  ASSERT_TRUE(
      WriteNpy(dir.Path("f.npy"), torch::arange(60, torch::kFloat).reshape({3, 4, 5}) * 0.25f)
          .ok());
  ASSERT_TRUE(WriteNpy(dir.Path("u.npy"), torch::arange(7, torch::kLong).to(torch::kUInt8)).ok());
  ASSERT_TRUE(WriteNpy(dir.Path("s.npy"), torch::tensor(-1.5f)).ok());
  const std::string out = RunPython(dir, R"(
import numpy as np
f = np.load('f.npy'); u = np.load('u.npy'); s = np.load('s.npy')
print(f.dtype, f.shape, bool((f == np.arange(60, dtype=np.float32).reshape(3, 4, 5) * 0.25).all()))
print(u.dtype, u.shape, u.tolist())
print(s.dtype, s.shape, float(s))
)");
  EXPECT_EQ(out,
            "float32 (3, 4, 5) True\n"
            "uint8 (7,) [0, 1, 2, 3, 4, 5, 6]\n"
            "float32 () -1.5\n");
}

TEST(NpyTest, RejectsMalformedFiles) {
  ScratchDir dir;
  const std::string four_floats(16, '\0');
  const std::pair<std::string, std::string> cases[] = {
      {"not numpy at all", "bad magic"},
      {"\x93NUMPY\x04", "bad magic"},  // too short for a preamble
      {std::string("\x93NUMPY\x04\x00\x10\x00", 10) + std::string(16, ' '), "version 4"},
      {NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four_floats.substr(8)),
       "promises 16"},
      {NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four_floats + "x"),
       "promises 16"},
      {NpyV1("{'descr': '<f4', 'shape': (4,), }", four_floats), "exactly the keys"},
      {NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}", four_floats),
       "malformed"},
      {NpyV1("{'descr': '<f4', 'fortran_order': 0, 'shape': (4,), }", four_floats), "malformed"},
      {NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", four_floats),
       "malformed"},
      {NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (4,) ", four_floats), "malformed"},
      {NpyV1("{'descr': '<f2', 'fortran_order': False, 'shape': (8,), }", four_floats),
       "unsupported dtype"},
      // Absurd sizes are refused from the header alone, before any allocation.
      {NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }",
             four_floats),
       "exceeds the limit"},
      {NpyV1("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
             four_floats),
       "exceeds the limit"},
      {NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
             four_floats),
       "huge dimension"},
  };
  for (const auto& [bytes, why] : cases) {
    WriteBytes(dir.Path("bad.npy"), bytes);
    auto read = ReadNpy(dir.Path("bad.npy"));
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << why;
    EXPECT_NE(read.status().message().find(why), std::string::npos) << read.status();
    auto parsed = ParseNpy(bytes);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << why;
    EXPECT_NE(parsed.status().message().find(why), std::string::npos) << parsed.status();
  }
  // A v1 header length pointing past the end of the file.
  std::string past_end = NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", "");
  past_end[8] = '\xff';
  past_end[9] = '\x7f';
  WriteBytes(dir.Path("bad.npy"), past_end);
  EXPECT_EQ(ReadNpy(dir.Path("bad.npy")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseNpy(past_end).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadNpy(dir.Path("missing.npy")).status().code(), absl::StatusCode::kNotFound);
}

TEST(NpyTest, AcceptsHeaderVariantsNumpyAccepts) {
  // Double quotes, no trailing comma, Python 2 longs, key order, a 0-sized array.
  const std::string dicts[] = {
      "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 2)}",
      "{'shape': (2L, 2L), 'fortran_order': False, 'descr': '<f4'}",
  };
  const std::string data(16, '\0');
  for (const std::string& dict : dicts) {
    auto parsed = ParseNpy(NpyV1(dict, data));
    ASSERT_TRUE(parsed.ok()) << dict << ": " << parsed.status();
    EXPECT_EQ(parsed->sizes(), (std::vector<int64_t>{2, 2}));
  }
  auto empty = ParseNpy(NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", ""));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->numel(), 0);
}

}  // namespace
}  // namespace infip::io
