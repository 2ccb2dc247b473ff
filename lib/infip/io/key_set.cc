#include "infip/io/key_set.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/io/file_util.h"
#include "infip/io/idx.h"
#include "infip/io/image_dir.h"
#include "infip/io/image_transform.h"
#include "infip/io/limits.h"
#include "infip/io/npy.h"
#include "infip/io/sha256.h"

namespace infip::io {
namespace {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "KeySetSha256 hashes the float32 storage as little-endian bytes");

enum class FileKind { kNpy, kIdx, kOther };

absl::StatusOr<FileKind> SniffFile(const std::string& path) {
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  std::array<char, 6> head{};
  INFIP_ASSIGN_OR_RETURN(size_t got, file->Read(head.data(), head.size()));
  const std::string_view bytes(head.data(), got);
  if (bytes == "\x93NUMPY") return FileKind::kNpy;
  // Gzip (IDX is the only compressed source), or the IDX magic's two zero bytes (ReadIdx
  // then names a wrong type or rank precisely).
  if (bytes.starts_with("\x1f\x8b") || bytes.starts_with(std::string_view("\0\0", 2))) {
    return FileKind::kIdx;
  }
  return FileKind::kOther;
}

std::vector<std::string> IndexNames(absl::string_view prefix, int64_t n) {
  std::vector<std::string> names;
  names.reserve(n);
  for (int64_t i = 0; i < n; ++i) names.push_back(absl::StrCat(prefix, i));
  return names;
}

// The box and the byte-to-input table for images: x = (v / 255 - mean[c]) / std[c], computed
// in double and rounded once to float32, so that any independent implementation (numpy's
// float64 arithmetic, for one) gets bit-identical inputs and therefore the same key-set hash.
struct Normalisation {
  std::vector<double> low;
  std::vector<double> high;
  std::vector<std::array<float, 256>> table;  // per channel
};

absl::StatusOr<Normalisation> MakeNormalisation(const Preprocessing& preprocessing, int channels) {
  INFIP_ASSIGN_OR_RETURN(std::vector<double> mean,
                         PerChannel(preprocessing.mean, channels, 0.0, "mean"));
  INFIP_ASSIGN_OR_RETURN(std::vector<double> std,
                         PerChannel(preprocessing.std, channels, 1.0, "std"));
  Normalisation norm;
  for (int c = 0; c < channels; ++c) {
    if (!(std[c] > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("std must be positive; channel ", c, " has ", std[c]));
    }
    norm.low.push_back((0.0 - mean[c]) / std[c]);
    norm.high.push_back((1.0 - mean[c]) / std[c]);
    std::array<float, 256>& table = norm.table.emplace_back();
    for (int v = 0; v < 256; ++v) {
      table[v] = static_cast<float>((static_cast<double>(v) / 255.0 - mean[c]) / std[c]);
    }
  }
  return norm;
}

absl::Status CheckPixelPreprocessing(const Preprocessing& preprocessing) {
  if (!preprocessing.low.empty() || !preprocessing.high.empty()) {
    return absl::InvalidArgumentError(
        "low / high apply to .npy key sets only; for images the box follows from mean and std");
  }
  return ValidateResize(preprocessing);
}

// Scales and normalises N x C x H x W uint8 pixels into a key set.
absl::StatusOr<KeySet> FromPixels(const torch::Tensor& pixels, std::vector<std::string> names,
                                  const Preprocessing& preprocessing) {
  const int64_t n = pixels.size(0);
  const int channels = static_cast<int>(pixels.size(1));
  const int64_t plane = pixels.size(2) * pixels.size(3);
  if (n == 0) return absl::InvalidArgumentError("the key set is empty");
  INFIP_ASSIGN_OR_RETURN(Normalisation norm, MakeNormalisation(preprocessing, channels));
  INFIP_ASSIGN_OR_RETURN(
      torch::Tensor inputs,
      CatchTorch(
          "allocating the key batch", [&] { return torch::empty(pixels.sizes(), torch::kFloat); },
          absl::StatusCode::kResourceExhausted));
  const torch::Tensor src = pixels.contiguous();
  const uint8_t* in = src.data_ptr<uint8_t>();
  float* out = inputs.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    for (int c = 0; c < channels; ++c) {
      const std::array<float, 256>& table = norm.table[c];
      for (int64_t p = 0; p < plane; ++p) *out++ = table[*in++];
    }
  }
  KeySet keys;
  keys.inputs = std::move(inputs);
  keys.box_low = std::move(norm.low);
  keys.box_high = std::move(norm.high);
  keys.names = std::move(names);
  return keys;
}

absl::StatusOr<KeySet> LoadImageDir(const std::string& dir, const Preprocessing& preprocessing,
                                    const LoadOptions& options) {
  INFIP_RETURN_IF_ERROR(CheckPixelPreprocessing(preprocessing));
  INFIP_ASSIGN_OR_RETURN(DecodedImages decoded, ReadImageDir(dir, preprocessing, options.limit));
  return FromPixels(decoded.images, std::move(decoded.names), preprocessing);
}

absl::StatusOr<KeySet> LoadIdx(const std::string& path, const Preprocessing& preprocessing,
                               const LoadOptions& options) {
  INFIP_RETURN_IF_ERROR(CheckPixelPreprocessing(preprocessing));
  INFIP_ASSIGN_OR_RETURN(torch::Tensor pixels, ReadIdx(path));
  if (pixels.dim() != 4) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is an IDX label file, not images"));
  }
  if (options.limit.has_value() && *options.limit < pixels.size(0)) {
    pixels = pixels.narrow(0, 0, *options.limit);
  }
  const int64_t n = pixels.size(0);
  const bool resize = preprocessing.resize_height.has_value();
  const int64_t h = resize ? *preprocessing.resize_height : pixels.size(2);
  const int64_t w = resize ? *preprocessing.resize_width : pixels.size(3);
  const int64_t c = preprocessing.color == ColorMode::kRgb ? 3 : 1;
  if (n > 0 && n > kMaxArrayBytes / 4 / (c * h * w)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the key set would exceed ", kMaxArrayBytes, " bytes; use a limit"));
  }
  if (resize || c == 3) {
    std::vector<cv::Mat> images;
    for (int64_t i = 0; i < n; ++i) {
      INFIP_ASSIGN_OR_RETURN(cv::Mat image, ResizeAndConvert(PlaneAsMat(pixels, i), preprocessing,
                                                             absl::StrCat("idx:", i)));
      images.push_back(std::move(image));
    }
    pixels = StackChw(images);
  }
  return FromPixels(pixels, IndexNames("idx:", n), preprocessing);
}

absl::StatusOr<KeySet> LoadNpy(const std::string& path, const Preprocessing& preprocessing,
                               const LoadOptions& options) {
  if (preprocessing.resize_height.has_value() || preprocessing.resize_width.has_value() ||
      preprocessing.color != ColorMode::kKeep || !preprocessing.mean.empty() ||
      !preprocessing.std.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     " holds already-preprocessed inputs; resize, color, mean and std do not apply "
                     "(give the input box with low / high)"));
  }
  INFIP_ASSIGN_OR_RETURN(torch::Tensor inputs, ReadNpy(path));
  if (inputs.scalar_type() != torch::kFloat || inputs.dim() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": a key set .npy must be a float32 (or float64) N x C x H x W array, "
                     "not ",
                     c10::toString(inputs.scalar_type()), " of shape ", c10::str(inputs.sizes())));
  }
  if (inputs.numel() == 0) return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  if (options.limit.has_value() && *options.limit < inputs.size(0)) {
    inputs = inputs.narrow(0, 0, *options.limit).clone();  // frees the rest
  }
  const int channels = static_cast<int>(inputs.size(1));
  INFIP_ASSIGN_OR_RETURN(std::vector<double> low,
                         PerChannel(preprocessing.low, channels, 0.0, "low"));
  INFIP_ASSIGN_OR_RETURN(std::vector<double> high,
                         PerChannel(preprocessing.high, channels, 1.0, "high"));
  // Inputs outside the box break the zB rule's assumption l <= x <= h; a wrong box (say the
  // default [0, 1] for normalised data) is the usual cause, so say so rather than go on.
  const int64_t n = inputs.size(0);
  const int64_t plane = inputs.size(2) * inputs.size(3);
  const float* x = inputs.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    for (int c = 0; c < channels; ++c) {
      if (!(low[c] < high[c])) {
        return absl::InvalidArgumentError(
            absl::StrCat("channel ", c, ": low ", low[c], " must be below high ", high[c]));
      }
      const double slack = 1e-4 * (high[c] - low[c]);
      for (int64_t p = 0; p < plane; ++p, ++x) {
        if (!(*x >= low[c] - slack && *x <= high[c] + slack)) {
          return absl::InvalidArgumentError(absl::StrCat(
              path, ": key ", i, " channel ", c, " has value ", *x, " outside the box [", low[c],
              ", ", high[c], "]; give the box the inputs were normalised to with low / high"));
        }
      }
    }
  }
  KeySet keys;
  keys.inputs = std::move(inputs);
  keys.box_low = std::move(low);
  keys.box_high = std::move(high);
  keys.names = IndexNames("npy:", n);
  return keys;
}

}  // namespace

absl::StatusOr<KeySet> LoadKeySet(const std::string& path, const Preprocessing& preprocessing,
                                  const LoadOptions& options) {
  if (options.limit.has_value() && *options.limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be at least 1, not ", *options.limit));
  }
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) return absl::NotFoundError(absl::StrCat("no such key set: ", path));
  absl::StatusOr<KeySet> keys;
  if (fs::is_directory(status)) {
    keys = LoadImageDir(path, preprocessing, options);
  } else {
    INFIP_ASSIGN_OR_RETURN(FileKind kind, SniffFile(path));
    if (kind == FileKind::kNpy) {
      keys = LoadNpy(path, preprocessing, options);
    } else if (kind == FileKind::kIdx) {
      keys = LoadIdx(path, preprocessing, options);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(path,
                       " is not a key set: expected a directory of PNG / JPEG images, an IDX file "
                       "(.gz or plain) or an .npy array"));
    }
  }
  if (!keys.ok()) return keys.status();
  keys->preprocessing = preprocessing.Describe();
  keys->sha256 = KeySetSha256(keys->inputs);
  return keys;
}

std::string KeySetSha256(const torch::Tensor& inputs) {
  Sha256 sha;
  if (!inputs.defined()) {
    sha.Update("\n");
    return sha.HexDigest();
  }
  sha.Update(absl::StrCat(absl::StrJoin(inputs.sizes(), ","), "\n"));
  const torch::Tensor values = inputs.to(torch::kCPU, torch::kFloat).contiguous();
  sha.Update(std::string_view(static_cast<const char*>(values.data_ptr()), values.nbytes()));
  return sha.HexDigest();
}

torch::Tensor KeyPreview(const KeySet& keys) {
  const torch::Tensor x = keys.inputs.to(torch::kCPU, torch::kFloat).contiguous();
  torch::Tensor out = torch::empty(x.sizes(), torch::kUInt8);
  if (x.dim() != 4 || x.numel() == 0) return out;
  const int64_t n = x.size(0);
  const int64_t channels = x.size(1);
  const int64_t plane = x.size(2) * x.size(3);
  // A box with fewer entries than channels (one for all) uses its last entry.
  const auto pick = [](const std::vector<double>& box, int64_t c, double fallback) {
    return box.empty() ? fallback : box[std::min<size_t>(c, box.size() - 1)];
  };
  const float* in = x.data_ptr<float>();
  uint8_t* dst = out.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < channels; ++c) {
      const double low = pick(keys.box_low, c, 0.0);
      const double high = pick(keys.box_high, c, 1.0);
      const double scale = high > low ? 255.0 / (high - low) : 0.0;
      for (int64_t p = 0; p < plane; ++p) {
        const double v = std::round((static_cast<double>(*in++) - low) * scale);
        *dst++ = std::isnan(v) ? 0 : static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
      }
    }
  }
  return out;
}

}  // namespace infip::io
