#include "infip/io/image_dir.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "infip/io/image_header.h"
#include "io/image_test_util.h"
#include "io/io_test_util.h"

namespace infip::io {
namespace {

using testing::PatternBgr;
using testing::PatternValue;
using testing::ScratchDir;
using testing::WriteBytes;
using testing::WriteImage;

int At(const torch::Tensor& t, int64_t i, int64_t c, int64_t y, int64_t x) {
  return t[i][c][y][x].item<int>();
}

// Three 4x4 RGB PNGs, created out of name order: image k is named by `kNames[k]`.
constexpr const char* kNames[] = {"b.png", "a.png", "c.png"};
constexpr int kImageOfSorted[] = {1, 0, 2};  // a.png is image 1, b.png image 0, c.png image 2

void WritePatternDir(const ScratchDir& dir, int h = 4, int w = 4) {
  for (int k = 0; k < 3; ++k) WriteImage(dir.Path(kNames[k]), PatternBgr(k, h, w));
}

TEST(ImageDirTest, ReadsRgbInNameOrder) {
  ScratchDir dir;
  WritePatternDir(dir);
  WriteBytes(dir.Path("notes.txt"), "not an image");
  std::filesystem::create_directory(dir.Path("sub.png"));  // a directory, not an image
  auto decoded = ReadImageDir(dir.Path(), {}, std::nullopt);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->names, (std::vector<std::string>{"a.png", "b.png", "c.png"}));
  ASSERT_EQ(decoded->images.scalar_type(), torch::kUInt8);
  ASSERT_EQ(decoded->images.sizes(), (std::vector<int64_t>{3, 3, 4, 4}));
  for (int i = 0; i < 3; ++i) {
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 4; ++x) {
          ASSERT_EQ(At(decoded->images, i, c, y, x), PatternValue(kImageOfSorted[i], y, x, c))
              << i << " " << c << " " << y << " " << x;
        }
      }
    }
  }
}

TEST(ImageDirTest, LimitKeepsTheFirstByName) {
  ScratchDir dir;
  WritePatternDir(dir);
  auto decoded = ReadImageDir(dir.Path(), {}, 2);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->names, (std::vector<std::string>{"a.png", "b.png"}));
  EXPECT_EQ(decoded->images.size(0), 2);
  EXPECT_EQ(ReadImageDir(dir.Path(), {}, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ImageDirTest, ResizeHalvesByAveragingBlocks) {
  ScratchDir dir;
  WritePatternDir(dir);
  Preprocessing prep;
  prep.resize_height = 2;
  prep.resize_width = 2;
  auto decoded = ReadImageDir(dir.Path(), prep, std::nullopt);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->images.sizes(), (std::vector<int64_t>{3, 3, 2, 2}));
  // Bilinear sampling at an exact 2x reduction reads each 2x2 block at its centre: the mean
  // of four pixels, rounded half up.
  for (int i = 0; i < 3; ++i) {
    const int k = kImageOfSorted[i];
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < 2; ++y) {
        for (int x = 0; x < 2; ++x) {
          const int sum = PatternValue(k, 2 * y, 2 * x, c) + PatternValue(k, 2 * y, 2 * x + 1, c) +
                          PatternValue(k, 2 * y + 1, 2 * x, c) +
                          PatternValue(k, 2 * y + 1, 2 * x + 1, c);
          EXPECT_EQ(At(decoded->images, i, c, y, x), (sum + 2) / 4) << i << c << y << x;
        }
      }
    }
  }
}

TEST(ImageDirTest, ResizeUpsamplesBilinearly) {
  ScratchDir dir;
  // Multiples of 16, so that every bilinear weight (a multiple of 1/16) gives an integer.
  cv::Mat gray = (cv::Mat_<uint8_t>(2, 2) << 16, 160, 64, 240);
  WriteImage(dir.Path("g.png"), gray);
  Preprocessing prep;
  prep.resize_height = 4;
  prep.resize_width = 4;
  auto decoded = ReadImageDir(dir.Path(), prep, std::nullopt);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->images.sizes(), (std::vector<int64_t>{1, 1, 4, 4}));
  // Output pixel x samples source x' = (x + 0.5) / 2 - 0.5, clamped to the edge.
  const auto weight = [](int d) { return std::clamp((d + 0.5) / 2 - 0.5, 0.0, 1.0); };
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      const double wy = weight(y);
      const double wx = weight(x);
      const double v = (1 - wy) * ((1 - wx) * 16 + wx * 160) + wy * ((1 - wx) * 64 + wx * 240);
      EXPECT_EQ(At(decoded->images, 0, 0, y, x), static_cast<int>(v)) << y << " " << x;
    }
  }
}

TEST(ImageDirTest, GrayUsesRec601Weights) {
  ScratchDir dir;
  WritePatternDir(dir);
  Preprocessing prep;
  prep.color = ColorMode::kGray;
  auto decoded = ReadImageDir(dir.Path(), prep, std::nullopt);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->images.sizes(), (std::vector<int64_t>{3, 1, 4, 4}));
  int checked = 0;
  for (int i = 0; i < 3; ++i) {
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 4; ++x) {
        const int k = kImageOfSorted[i];
        const double g = 0.299 * PatternValue(k, y, x, 0) + 0.587 * PatternValue(k, y, x, 1) +
                         0.114 * PatternValue(k, y, x, 2);
        // OpenCV rounds fixed-point weights; skip values too close to a tie to call.
        if (std::abs(g - std::floor(g) - 0.5) < 0.01) continue;
        EXPECT_EQ(At(decoded->images, i, 0, y, x), std::lround(g)) << i << y << x;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 40);
}

TEST(ImageDirTest, RgbReplicatesGrayAndMixedSourcesNeedAColorMode) {
  ScratchDir dir;
  WriteImage(dir.Path("a.png"), PatternBgr(0, 4, 4));
  cv::Mat gray(4, 4, CV_8UC1);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) gray.at<uint8_t>(y, x) = static_cast<uint8_t>(y * 60 + x);
  }
  WriteImage(dir.Path("b.png"), gray);

  auto kept = ReadImageDir(dir.Path(), {}, std::nullopt);
  EXPECT_EQ(kept.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(kept.status().message().find("b.png"), std::string::npos) << kept.status();

  Preprocessing rgb;
  rgb.color = ColorMode::kRgb;
  auto decoded = ReadImageDir(dir.Path(), rgb, std::nullopt);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->images.sizes(), (std::vector<int64_t>{2, 3, 4, 4}));
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 4; ++x) {
        EXPECT_EQ(At(decoded->images, 1, c, y, x), y * 60 + x);
        EXPECT_EQ(At(decoded->images, 0, c, y, x), PatternValue(0, y, x, c));
      }
    }
  }
}

TEST(ImageDirTest, AlphaIsDropped) {
  ScratchDir dir;
  cv::Mat bgra(2, 2, CV_8UC4, cv::Scalar(10, 20, 30, 77));  // B, G, R, alpha
  WriteImage(dir.Path("a.png"), bgra);
  auto decoded = ReadImageDir(dir.Path(), {}, std::nullopt);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->images.sizes(), (std::vector<int64_t>{1, 3, 2, 2}));
  EXPECT_EQ(At(decoded->images, 0, 0, 1, 1), 30);
  EXPECT_EQ(At(decoded->images, 0, 1, 1, 1), 20);
  EXPECT_EQ(At(decoded->images, 0, 2, 1, 1), 10);
}

TEST(ImageDirTest, ReadsJpegWithAnyCaseExtension) {
  ScratchDir dir;
  const cv::Mat flat(16, 16, CV_8UC3, cv::Scalar(30, 100, 200));  // BGR: R = 200, B = 30
  ASSERT_TRUE(cv::imwrite(dir.Path("x.jpg"), flat, {cv::IMWRITE_JPEG_QUALITY, 100}));
  // imwrite picks the encoder by extension, so write .jpg and rename to the other spellings.
  std::filesystem::copy_file(dir.Path("x.jpg"), dir.Path("y.JPG"));
  std::filesystem::copy_file(dir.Path("x.jpg"), dir.Path("z.jpeg"));
  auto decoded = ReadImageDir(dir.Path(), {}, std::nullopt);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->names, (std::vector<std::string>{"x.jpg", "y.JPG", "z.jpeg"}));
  ASSERT_EQ(decoded->images.sizes(), (std::vector<int64_t>{3, 3, 16, 16}));
  // JPEG is lossy; a flat block comes back within a step or two, in RGB order.
  const torch::Tensor mean = decoded->images.to(torch::kFloat).mean({0, 2, 3});
  EXPECT_NEAR(mean[0].item<float>(), 200, 2);
  EXPECT_NEAR(mean[1].item<float>(), 100, 2);
  EXPECT_NEAR(mean[2].item<float>(), 30, 2);
}

TEST(ImageDirTest, DifferentSizesNeedAResize) {
  ScratchDir dir;
  WriteImage(dir.Path("a.png"), PatternBgr(0, 4, 4));
  WriteImage(dir.Path("b.png"), PatternBgr(1, 5, 4));
  auto mixed = ReadImageDir(dir.Path(), {}, std::nullopt);
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mixed.status().message().find("b.png"), std::string::npos) << mixed.status();
  EXPECT_NE(mixed.status().message().find("resize"), std::string::npos) << mixed.status();
  Preprocessing prep;
  prep.resize_height = 3;
  prep.resize_width = 3;
  auto resized = ReadImageDir(dir.Path(), prep, std::nullopt);
  ASSERT_TRUE(resized.ok()) << resized.status();
  EXPECT_EQ(resized->images.sizes(), (std::vector<int64_t>{2, 3, 3, 3}));
}

TEST(ImageDirTest, BadFilesAreNamed) {
  ScratchDir dir;
  WriteImage(dir.Path("a.png"), PatternBgr(0, 4, 4));
  WriteBytes(dir.Path("bad.png"), "\x89PNG\r\n\x1a\n this is not really a PNG");
  auto corrupt = ReadImageDir(dir.Path(), {}, std::nullopt);
  EXPECT_EQ(corrupt.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(corrupt.status().message().find("bad.png"), std::string::npos) << corrupt.status();

  std::filesystem::remove(dir.Path("bad.png"));
  WriteBytes(dir.Path("empty.jpg"), "");
  auto empty = ReadImageDir(dir.Path(), {}, std::nullopt);
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("empty.jpg"), std::string::npos) << empty.status();

  std::filesystem::remove(dir.Path("empty.jpg"));
  WriteImage(dir.Path("deep.png"), cv::Mat(4, 4, CV_16UC1, cv::Scalar(40000)));
  auto deep = ReadImageDir(dir.Path(), {}, std::nullopt);
  EXPECT_EQ(deep.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(deep.status().message().find("deep.png"), std::string::npos) << deep.status();
  EXPECT_NE(deep.status().message().find("8-bit"), std::string::npos) << deep.status();
}

TEST(ImageDirTest, EmptyMissingOrNotADirectory) {
  ScratchDir dir;
  auto empty = ReadImageDir(dir.Path(), {}, std::nullopt);
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  WriteBytes(dir.Path("readme.txt"), "no images here");
  EXPECT_EQ(ReadImageDir(dir.Path(), {}, std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadImageDir(dir.Path("missing"), {}, std::nullopt).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadImageDir(dir.Path("readme.txt"), {}, std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ImageDirTest, RejectsHalfAResize) {
  ScratchDir dir;
  WritePatternDir(dir);
  Preprocessing prep;
  prep.resize_height = 8;
  EXPECT_EQ(ReadImageDir(dir.Path(), prep, std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
  prep.resize_width = 0;
  EXPECT_EQ(ReadImageDir(dir.Path(), prep, std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ImageHeaderTest, PeeksPngAndJpegSizes) {
  for (const char* ext : {".png", ".jpg"}) {
    std::vector<uchar> encoded;
    ASSERT_TRUE(cv::imencode(ext, PatternBgr(0, 37, 53), encoded));
    const auto size = PeekImageSize(
        std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
    ASSERT_TRUE(size.has_value()) << ext;
    EXPECT_EQ(size->width, 53) << ext;
    EXPECT_EQ(size->height, 37) << ext;
  }
  EXPECT_FALSE(PeekImageSize("GIF89a").has_value());
  EXPECT_FALSE(PeekImageSize("\x89PNG\r\n\x1a\n").has_value());
  EXPECT_FALSE(PeekImageSize("\xff\xd8\xff").has_value());
}

TEST(ImageDirTest, RefusesAHugeDeclaredImageBeforeDecoding) {
  ScratchDir dir;
  std::vector<uchar> encoded;
  ASSERT_TRUE(cv::imencode(".png", PatternBgr(0, 4, 4), encoded));
  std::string bomb(reinterpret_cast<const char*>(encoded.data()), encoded.size());
  for (int i = 16; i < 24; ++i) bomb[i] = (i % 4 == 1) ? '\x01' : '\0';  // 65536 x 65536
  WriteBytes(dir.Path("bomb.png"), bomb);
  auto read = ReadImageDir(dir.Path(), {}, std::nullopt);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(read.status().message().find("bomb.png declares a 65536x65536"), std::string::npos)
      << read.status();
}

TEST(WritePngTest, WritesRgbAndGray) {
  ScratchDir dir;
  const torch::Tensor rgb = torch::randint(0, 256, {3, 5, 6}, torch::kUInt8);
  ASSERT_TRUE(WritePng(dir.Path("rgb.png"), rgb).ok());
  const cv::Mat back = cv::imread(dir.Path("rgb.png"), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(back.type(), CV_8UC3);
  ASSERT_EQ(back.rows, 5);
  ASSERT_EQ(back.cols, 6);
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 6; ++x) {
      for (int c = 0; c < 3; ++c) {
        EXPECT_EQ(back.at<cv::Vec3b>(y, x)[2 - c], rgb[c][y][x].item<int>());  // file is BGR
      }
    }
  }
  const torch::Tensor gray = torch::randint(0, 256, {4, 7}, torch::kUInt8);
  for (const auto& [name, image] :
       {std::pair{"g2.png", gray}, std::pair{"g3.png", gray.unsqueeze(0)}}) {
    ASSERT_TRUE(WritePng(dir.Path(name), image).ok()) << name;
    const cv::Mat g = cv::imread(dir.Path(name), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(g.type(), CV_8UC1);
    ASSERT_EQ(g.rows, 4);
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 7; ++x) EXPECT_EQ(g.at<uint8_t>(y, x), gray[y][x].item<int>());
    }
  }
  // Only the finished files: no temporaries left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.Path())) {
    ++files;
  }
  EXPECT_EQ(files, 3);
}

TEST(WritePngTest, RejectsOtherTensors) {
  ScratchDir dir;
  for (const torch::Tensor& bad : {torch::zeros({3, 4, 4}), torch::zeros({2, 4, 4}, torch::kUInt8),
                                   torch::zeros({1, 3, 4, 4}, torch::kUInt8),
                                   torch::zeros({0, 4}, torch::kUInt8), torch::Tensor()}) {
    EXPECT_EQ(WritePng(dir.Path("x.png"), bad).code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.Path("x.png")));
  EXPECT_FALSE(WritePng(dir.Path("no/such/dir/x.png"), torch::zeros({2, 2}, torch::kUInt8)).ok());
}

}  // namespace
}  // namespace infip::io
