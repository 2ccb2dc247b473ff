// Key images for the io tests: small PNG / JPEG files with known pixels, written by OpenCV.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace infip::io::testing {

// Pixel value of channel c (RGB order) at (y, x) of test image number `image`.
inline uint8_t PatternValue(int image, int y, int x, int c) {
  return static_cast<uint8_t>((image * 50 + y * 13 + x * 29 + c * 71 + 7) % 256);
}

// An H x W RGB image of the pattern, stored the way OpenCV wants it (BGR).
inline cv::Mat PatternBgr(int image, int h, int w) {
  cv::Mat bgr(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) bgr.at<cv::Vec3b>(y, x)[2 - c] = PatternValue(image, y, x, c);
    }
  }
  return bgr;
}

inline void WriteImage(const std::string& path, const cv::Mat& mat) {
  ASSERT_TRUE(cv::imwrite(path, mat)) << path;
}

}  // namespace infip::io::testing
