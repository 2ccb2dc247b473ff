#include "infip/io/key_set.h"

#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"
#include "infip/io/idx.h"
#include "infip/io/image_dir.h"
#include "infip/io/npy.h"
#include "infip/io/sha256.h"
#include "io/image_test_util.h"
#include "io/io_test_util.h"

namespace infip::io {
namespace {

using testing::PatternBgr;
using testing::PatternValue;
using testing::RunPython;
using testing::ScratchDir;
using testing::WriteBytes;
using testing::WriteImage;

constexpr char kImages[] = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
constexpr char kLabels[] = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";

const std::vector<double> kMean = {0.485, 0.456, 0.406};
const std::vector<double> kStd = {0.229, 0.224, 0.225};

// Two 3x4 RGB key images, a.png (pattern 0) and b.png (pattern 1).
void WriteKeys(const ScratchDir& dir) {
  WriteImage(dir.Path("b.png"), PatternBgr(1, 3, 4));
  WriteImage(dir.Path("a.png"), PatternBgr(0, 3, 4));
}

Preprocessing ImageNet() {
  Preprocessing prep;
  prep.mean = kMean;
  prep.std = kStd;
  return prep;
}

TEST(KeySetTest, ImageDirIsScaledAndNormalisedPerChannel) {
  ScratchDir dir;
  WriteKeys(dir);
  auto keys = LoadKeySet(dir.Path(), ImageNet());
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->inputs.scalar_type(), torch::kFloat);
  ASSERT_TRUE(keys->inputs.is_contiguous());
  ASSERT_EQ(keys->inputs.sizes(), (std::vector<int64_t>{2, 3, 3, 4}));
  EXPECT_EQ(keys->names, (std::vector<std::string>{"a.png", "b.png"}));
  EXPECT_EQ(keys->preprocessing,
            "resize=none color=keep mean=0.485,0.456,0.406 std=0.229,0.224,0.225");
  for (int c = 0; c < 3; ++c) {
    EXPECT_DOUBLE_EQ(keys->box_low[c], -kMean[c] / kStd[c]);
    EXPECT_DOUBLE_EQ(keys->box_high[c], (1 - kMean[c]) / kStd[c]);
  }
  for (int i = 0; i < 2; ++i) {
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < 3; ++y) {
        for (int x = 0; x < 4; ++x) {
          const float expected =
              static_cast<float>((PatternValue(i, y, x, c) / 255.0 - kMean[c]) / kStd[c]);
          ASSERT_EQ(keys->inputs[i][c][y][x].item<float>(), expected) << i << c << y << x;
        }
      }
    }
  }
  EXPECT_EQ(keys->sha256, KeySetSha256(keys->inputs));
}

TEST(KeySetTest, GrayResizeAndSingleMean) {
  ScratchDir dir;
  WriteKeys(dir);
  Preprocessing prep;
  prep.color = ColorMode::kGray;
  prep.resize_height = 6;
  prep.resize_width = 8;
  prep.mean = {0.5};
  prep.std = {0.5};
  auto keys = LoadKeySet(dir.Path(), prep, {.limit = 1});
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->inputs.sizes(), (std::vector<int64_t>{1, 1, 6, 8}));
  EXPECT_EQ(keys->names, (std::vector<std::string>{"a.png"}));
  EXPECT_EQ(keys->box_low, (std::vector<double>{-1.0}));
  EXPECT_EQ(keys->box_high, (std::vector<double>{1.0}));
  // The pixels are what ReadImageDir gives for the same settings, then (v / 255 - 0.5) / 0.5.
  auto pixels = ReadImageDir(dir.Path(), prep, 1);
  ASSERT_TRUE(pixels.ok()) << pixels.status();
  const torch::Tensor expected =
      ((pixels->images.to(torch::kDouble) / 255.0 - 0.5) / 0.5).to(torch::kFloat);
  EXPECT_TRUE(torch::equal(keys->inputs, expected));
}

TEST(KeySetTest, HashFollowsTheDocumentedFormatWhateverTheSource) {
  ScratchDir dir;
  WriteKeys(dir);
  auto from_png = LoadKeySet(dir.Path(), ImageNet());
  ASSERT_TRUE(from_png.ok()) << from_png.status();

  // numpy computes the same inputs from the known pixels, saves them, and hashes them itself.
  std::ostringstream pixels;
  for (int i = 0; i < 2; ++i) {
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < 3; ++y) {
        for (int x = 0; x < 4; ++x) pixels << int{PatternValue(i, y, x, c)} << ",";
      }
    }
  }
  const std::string out = RunPython(dir, absl::StrReplaceAll(R"(
import hashlib
import numpy as np
v = np.array([PIXELS], dtype=np.float64).reshape(2, 3, 3, 4)
mean = np.array([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
std = np.array([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
x = ((v / 255.0 - mean) / std).astype('<f4')
np.save('keys.npy', x)
print(hashlib.sha256(b'2,3,3,4\n' + x.tobytes()).hexdigest())
)",
                                                             {{"PIXELS", pixels.str()}}));
  ASSERT_GE(out.size(), 64u) << out;
  EXPECT_EQ(from_png->sha256, out.substr(0, 64));

  Preprocessing box;
  box.low = from_png->box_low;
  box.high = from_png->box_high;
  auto from_npy = LoadKeySet(dir.Path("keys.npy"), box);
  ASSERT_TRUE(from_npy.ok()) << from_npy.status();
  EXPECT_TRUE(torch::equal(from_npy->inputs, from_png->inputs));
  EXPECT_EQ(from_npy->sha256, from_png->sha256);
  EXPECT_EQ(from_npy->names, (std::vector<std::string>{"npy:0", "npy:1"}));
  EXPECT_EQ(from_npy->box_low, from_png->box_low);

  // Our own .npy of the batch loads back to the same hash too.
  ASSERT_TRUE(WriteNpy(dir.Path("ours.npy"), from_png->inputs).ok());
  auto ours = LoadKeySet(dir.Path("ours.npy"), box);
  ASSERT_TRUE(ours.ok()) << ours.status();
  EXPECT_EQ(ours->sha256, from_png->sha256);
}

TEST(KeySetTest, HashChangesWithAnyValueOrTheShape) {
  const torch::Tensor inputs = torch::rand({3, 1, 4, 4});
  const std::string base = KeySetSha256(inputs);
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(KeySetSha256(inputs.clone()), base);
  torch::Tensor nudged = inputs.clone();
  nudged[2][0][3][3] = std::nextafter(nudged[2][0][3][3].item<float>(), 2.0f);
  EXPECT_NE(KeySetSha256(nudged), base);
  EXPECT_NE(KeySetSha256(inputs.reshape({1, 3, 4, 4})), base);
  // The empty-shape edge is still the documented format: "0,1,2,2\n" and no values.
  EXPECT_EQ(KeySetSha256(torch::zeros({0, 1, 2, 2})), Sha256Hex("0,1,2,2\n"));
}

TEST(KeySetTest, IdxWithResizeRgbAndLimit) {
  Preprocessing prep;
  prep.resize_height = 14;
  prep.resize_width = 14;
  prep.color = ColorMode::kRgb;
  prep.mean = {0.5};
  prep.std = {0.5};
  auto keys = LoadKeySet(kImages, prep, {.limit = 5});
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->inputs.sizes(), (std::vector<int64_t>{5, 3, 14, 14}));
  EXPECT_EQ(keys->names, (std::vector<std::string>{"idx:0", "idx:1", "idx:2", "idx:3", "idx:4"}));
  EXPECT_EQ(keys->box_low, (std::vector<double>{-1, -1, -1}));
  EXPECT_EQ(keys->box_high, (std::vector<double>{1, 1, 1}));
  auto raw = ReadIdx(kImages);
  ASSERT_TRUE(raw.ok()) << raw.status();
  const uint8_t* px = raw->data_ptr<uint8_t>();
  for (int i = 0; i < 5; ++i) {
    for (int y = 0; y < 14; ++y) {
      for (int x = 0; x < 14; ++x) {
        const uint8_t* block = px + i * 784 + 2 * y * 28 + 2 * x;
        const int v = (block[0] + block[1] + block[28] + block[29] + 2) / 4;
        const float expected = static_cast<float>((v / 255.0 - 0.5) / 0.5);
        for (int c = 0; c < 3; ++c) {
          ASSERT_EQ(keys->inputs[i][c][y][x].item<float>(), expected) << i << c << y << x;
        }
      }
    }
  }
}

TEST(KeySetTest, IdxAsIs) {
  auto keys = LoadKeySet(kImages, {}, {.limit = 3});
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->inputs.sizes(), (std::vector<int64_t>{3, 1, 28, 28}));
  auto raw = ReadIdx(kImages);
  ASSERT_TRUE(raw.ok());
  const torch::Tensor expected =
      (raw->narrow(0, 0, 3).to(torch::kDouble) / 255.0).to(torch::kFloat);
  EXPECT_TRUE(torch::equal(keys->inputs, expected));
  EXPECT_EQ(keys->box_low, (std::vector<double>{0}));
  EXPECT_EQ(keys->box_high, (std::vector<double>{1}));

  auto labels = LoadKeySet(kLabels, {});
  EXPECT_EQ(labels.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(labels.status().message().find("label"), std::string::npos) << labels.status();
}

TEST(KeySetTest, NpyKeysTakeOnlyABox) {
  ScratchDir dir;
  const torch::Tensor x = torch::rand({4, 2, 3, 3}) * 2 - 1;  // inside [-1, 1]
  ASSERT_TRUE(WriteNpy(dir.Path("k.npy"), x).ok());
  Preprocessing box;
  box.low = {-1};
  box.high = {1};
  auto keys = LoadKeySet(dir.Path("k.npy"), box, {.limit = 2});
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_TRUE(torch::equal(keys->inputs, x.narrow(0, 0, 2)));
  EXPECT_EQ(keys->box_low, (std::vector<double>{-1, -1}));
  EXPECT_EQ(keys->box_high, (std::vector<double>{1, 1}));
  EXPECT_EQ(keys->preprocessing, "resize=none color=keep mean=0 std=1 low=-1 high=1");

  // The default box [0, 1] does not hold these inputs: refused, not silently wrong.
  auto default_box = LoadKeySet(dir.Path("k.npy"), {});
  EXPECT_EQ(default_box.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(default_box.status().message().find("outside the box"), std::string::npos)
      << default_box.status();

  Preprocessing with_mean = box;
  with_mean.mean = {0.5};
  Preprocessing with_std = box;
  with_std.std = {0.5};
  Preprocessing with_resize = box;
  with_resize.resize_height = 3;
  with_resize.resize_width = 3;
  Preprocessing with_color = box;
  with_color.color = ColorMode::kGray;
  Preprocessing inverted = box;
  inverted.low = {1};
  inverted.high = {-1};
  Preprocessing three_lows = box;
  three_lows.low = {-1, -1, -1};
  for (const Preprocessing& bad :
       {with_mean, with_std, with_resize, with_color, inverted, three_lows}) {
    EXPECT_EQ(LoadKeySet(dir.Path("k.npy"), bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad.Describe();
  }

  ASSERT_TRUE(WriteNpy(dir.Path("u8.npy"), torch::zeros({1, 1, 2, 2}, torch::kUInt8)).ok());
  ASSERT_TRUE(WriteNpy(dir.Path("3d.npy"), torch::zeros({1, 2, 2})).ok());
  ASSERT_TRUE(WriteNpy(dir.Path("empty.npy"), torch::zeros({0, 1, 2, 2})).ok());
  torch::Tensor nan = torch::zeros({1, 1, 2, 2});
  nan[0][0][1][1] = std::nanf("");
  ASSERT_TRUE(WriteNpy(dir.Path("nan.npy"), nan).ok());
  for (const char* name : {"u8.npy", "3d.npy", "empty.npy", "nan.npy"}) {
    EXPECT_EQ(LoadKeySet(dir.Path(name), {}).status().code(), absl::StatusCode::kInvalidArgument)
        << name;
  }
}

TEST(KeySetTest, RejectsPreprocessingThatDoesNotFit) {
  ScratchDir dir;
  WriteKeys(dir);
  Preprocessing zero_std;
  zero_std.std = {0.5, 0, 0.5};
  Preprocessing negative_std;
  negative_std.std = {-0.5};
  Preprocessing two_means;
  two_means.mean = {0.5, 0.5};
  Preprocessing gray_with_rgb_mean;
  gray_with_rgb_mean.color = ColorMode::kGray;
  gray_with_rgb_mean.mean = kMean;
  Preprocessing box_for_images;
  box_for_images.low = {-1};
  for (const Preprocessing& bad :
       {zero_std, negative_std, two_means, gray_with_rgb_mean, box_for_images}) {
    EXPECT_EQ(LoadKeySet(dir.Path(), bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad.Describe();
  }
  auto zero = LoadKeySet(dir.Path(), zero_std);
  EXPECT_NE(zero.status().message().find("std"), std::string::npos) << zero.status();
  auto two = LoadKeySet(dir.Path(), two_means);
  EXPECT_NE(two.status().message().find("mean"), std::string::npos) << two.status();
}

TEST(KeySetTest, PathErrors) {
  ScratchDir dir;
  EXPECT_EQ(LoadKeySet(dir.Path("missing"), {}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadKeySet(dir.Path(), {}).status().code(), absl::StatusCode::kInvalidArgument);
  WriteBytes(dir.Path("notes.txt"), "hello");
  auto other = LoadKeySet(dir.Path("notes.txt"), {});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(other.status().message().find("not a key set"), std::string::npos) << other.status();
  WriteKeys(dir);
  EXPECT_EQ(LoadKeySet(dir.Path(), {}, {.limit = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto all = LoadKeySet(dir.Path(), {}, {.limit = 100});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->inputs.size(0), 2);
}

TEST(KeyPreviewTest, RecoversThePixelsOfAnImageKeySet) {
  ScratchDir dir;
  WriteKeys(dir);
  auto keys = LoadKeySet(dir.Path(), ImageNet());
  ASSERT_TRUE(keys.ok()) << keys.status();
  auto pixels = ReadImageDir(dir.Path(), {}, std::nullopt);
  ASSERT_TRUE(pixels.ok()) << pixels.status();
  const torch::Tensor preview = KeyPreview(*keys);
  EXPECT_EQ(preview.scalar_type(), torch::kUInt8);
  EXPECT_TRUE(torch::equal(preview, pixels->images));
}

TEST(KeyPreviewTest, RoundsAndClamps) {
  KeySet keys;
  keys.inputs =
      torch::tensor({-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 5.0f, -5.0f, 0.002f}).reshape({1, 1, 1, 8});
  keys.box_low = {-1};
  keys.box_high = {1};
  const torch::Tensor preview = KeyPreview(keys);
  // (x + 1) / 2 * 255: 0, 63.75, 127.5, 191.25, 255, 637.5, -510, 127.755.
  const torch::Tensor expected =
      torch::tensor({0, 64, 128, 191, 255, 255, 0, 128}, torch::kUInt8).reshape({1, 1, 1, 8});
  EXPECT_TRUE(torch::equal(preview, expected)) << preview;
}

}  // namespace
}  // namespace infip::io
