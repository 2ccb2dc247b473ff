#include "infip/io/image_transform.h"

#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "infip/io/limits.h"

namespace infip::io {

absl::Status ValidateResize(const Preprocessing& preprocessing) {
  const auto& h = preprocessing.resize_height;
  const auto& w = preprocessing.resize_width;
  if (h.has_value() != w.has_value()) {
    return absl::InvalidArgumentError("resize needs both a height and a width");
  }
  if (h.has_value() && (*h < 1 || *w < 1 || *h > kMaxResizeSide || *w > kMaxResizeSide)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resize ", *h, "x", *w, " is out of range; each side must be in 1..", kMaxResizeSide));
  }
  return absl::OkStatus();
}

absl::StatusOr<cv::Mat> ToGrayOrRgb(const cv::Mat& decoded, absl::string_view name) {
  if (decoded.depth() != CV_8U) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": only 8-bit images are supported (this one has ",
                     decoded.elemSize1() * 8, "-bit samples); convert it to 8 bits first"));
  }
  cv::Mat out;
  try {
    switch (decoded.channels()) {
      case 1:
        return decoded;
      case 2:  // gray + alpha
        cv::extractChannel(decoded, out, 0);
        return out;
      case 3:
        cv::cvtColor(decoded, out, cv::COLOR_BGR2RGB);
        return out;
      case 4:
        cv::cvtColor(decoded, out, cv::COLOR_BGRA2RGB);
        return out;
      default:
        break;
    }
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", e.what()));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": unsupported channel count ", decoded.channels()));
}

absl::StatusOr<cv::Mat> ResizeAndConvert(const cv::Mat& gray_or_rgb,
                                         const Preprocessing& preprocessing,
                                         absl::string_view name) {
  try {
    cv::Mat resized = gray_or_rgb;
    if (preprocessing.resize_height.has_value()) {
      const cv::Size size(*preprocessing.resize_width, *preprocessing.resize_height);
      if (size != gray_or_rgb.size()) {
        cv::resize(gray_or_rgb, resized, size, 0, 0, cv::INTER_LINEAR);
      }
    }
    cv::Mat converted;
    if (preprocessing.color == ColorMode::kGray && resized.channels() == 3) {
      cv::cvtColor(resized, converted, cv::COLOR_RGB2GRAY);
      return converted;
    }
    if (preprocessing.color == ColorMode::kRgb && resized.channels() == 1) {
      cv::cvtColor(resized, converted, cv::COLOR_GRAY2RGB);
      return converted;
    }
    return resized;
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", e.what()));
  }
}

torch::Tensor StackChw(const std::vector<cv::Mat>& images) {
  if (images.empty()) return torch::empty({0, 0, 0, 0}, torch::kUInt8);
  const int64_t h = images[0].rows;
  const int64_t w = images[0].cols;
  const int64_t c = images[0].channels();
  torch::Tensor out = torch::empty({static_cast<int64_t>(images.size()), c, h, w}, torch::kUInt8);
  uint8_t* dst = out.data_ptr<uint8_t>();
  for (const cv::Mat& image : images) {
    for (int64_t y = 0; y < h; ++y) {
      const uint8_t* row = image.ptr<uint8_t>(static_cast<int>(y));
      for (int64_t x = 0; x < w; ++x) {
        for (int64_t ch = 0; ch < c; ++ch) dst[(ch * h + y) * w + x] = row[x * c + ch];
      }
    }
    dst += c * h * w;
  }
  return out;
}

cv::Mat ChwToMat(const torch::Tensor& chw) {
  const torch::Tensor hwc = chw.permute({1, 2, 0}).contiguous();
  const int c = static_cast<int>(hwc.size(2));
  const cv::Mat view(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC(c),
                     hwc.data_ptr<uint8_t>());
  return view.clone();
}

cv::Mat PlaneAsMat(const torch::Tensor& contiguous_nchw, int64_t index) {
  const int h = static_cast<int>(contiguous_nchw.size(2));
  const int w = static_cast<int>(contiguous_nchw.size(3));
  return cv::Mat(h, w, CV_8UC1, contiguous_nchw.data_ptr<uint8_t>() + index * int64_t{h} * w);
}

}  // namespace infip::io
