#include "infip/io/preprocessing.h"

#include <cmath>

#include <gtest/gtest.h>

namespace infip::io {
namespace {

TEST(ParseValueListTest, AcceptsOneOrSeveralNumbers) {
  EXPECT_EQ(*ParseValueList("0.5"), std::vector<double>({0.5}));
  EXPECT_EQ(*ParseValueList("0.485, 0.456,0.406 "), std::vector<double>({0.485, 0.456, 0.406}));
  EXPECT_EQ(*ParseValueList("-1e-3"), std::vector<double>({-0.001}));
  EXPECT_TRUE(ParseValueList("")->empty());
  EXPECT_TRUE(ParseValueList("  ")->empty());
}

TEST(ParseValueListTest, RejectsJunk) {
  for (const char* junk : {"abc", "1,,2", "1,", ",1", "0.5x", "1 2", "nan", "inf", "1e999"}) {
    auto parsed = ParseValueList(junk);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << junk;
  }
}

TEST(PerChannelTest, BroadcastsOrFallsBack) {
  EXPECT_EQ(*PerChannel({}, 3, 1.0, "std"), std::vector<double>({1.0, 1.0, 1.0}));
  EXPECT_EQ(*PerChannel({0.5}, 3, 1.0, "std"), std::vector<double>({0.5, 0.5, 0.5}));
  EXPECT_EQ(*PerChannel({0.1, 0.2, 0.3}, 3, 1.0, "std"), std::vector<double>({0.1, 0.2, 0.3}));
  EXPECT_EQ(*PerChannel({0.7}, 1, 0.0, "mean"), std::vector<double>({0.7}));
}

TEST(PerChannelTest, WrongCountNamesTheParameter) {
  auto two = PerChannel({0.1, 0.2}, 3, 0.0, "mean");
  EXPECT_EQ(two.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(two.status().message().find("mean"), std::string::npos);
  EXPECT_NE(two.status().message().find("2 values"), std::string::npos);
  auto three_for_gray = PerChannel({0.1, 0.2, 0.3}, 1, 1.0, "std");
  EXPECT_EQ(three_for_gray.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(three_for_gray.status().message().find("std"), std::string::npos);
  EXPECT_EQ(PerChannel({0.1}, 0, 1.0, "std").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PerChannel({std::nan("")}, 1, 1.0, "std").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PreprocessingTest, DescribeIsStableAndExact) {
  Preprocessing p;
  EXPECT_EQ(p.Describe(), "resize=none color=keep mean=0 std=1");
  p.resize_height = 32;
  p.resize_width = 24;
  p.color = ColorMode::kGray;
  p.mean = {0.5};
  p.std = {0.5};
  EXPECT_EQ(p.Describe(), "resize=32x24 color=gray mean=0.5 std=0.5");
  Preprocessing imagenet;
  imagenet.color = ColorMode::kRgb;
  imagenet.mean = {0.485, 0.456, 0.406};
  imagenet.std = {0.229, 0.224, 0.225};
  EXPECT_EQ(imagenet.Describe(),
            "resize=none color=rgb mean=0.485,0.456,0.406 std=0.229,0.224,0.225");
  Preprocessing box;
  box.low = {-1};
  EXPECT_EQ(box.Describe(), "resize=none color=keep mean=0 std=1 low=-1 high=1");
  // Shortest round-trip text: a value that is not a short decimal keeps all its digits.
  Preprocessing third;
  third.mean = {1.0 / 3.0};
  EXPECT_EQ(third.Describe(), "resize=none color=keep mean=0.3333333333333333 std=1");
}

TEST(ColorModeTest, NamesRoundTrip) {
  for (ColorMode mode : {ColorMode::kKeep, ColorMode::kGray, ColorMode::kRgb}) {
    EXPECT_EQ(*ParseColorMode(ColorModeName(mode)), mode);
  }
  EXPECT_EQ(ColorModeName(ColorMode::kGray), "gray");
  EXPECT_EQ(ParseColorMode("grey").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseColorMode("RGB").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infip::io
