#include "infip/io/image_dir.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/io/file_util.h"
#include "infip/io/image_header.h"
#include "infip/io/image_transform.h"
#include "infip/io/limits.h"

namespace infip::io {
namespace {

namespace fs = std::filesystem;

bool IsImageName(const fs::path& name) {
  const std::string ext = absl::AsciiStrToLower(name.extension().string());
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

absl::StatusOr<std::vector<std::string>> ListImages(const std::string& dir) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) return absl::NotFoundError(absl::StrCat("no such directory: ", dir));
  if (!fs::is_directory(status)) {
    return absl::InvalidArgumentError(absl::StrCat("not a directory: ", dir));
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && IsImageName(it->path().filename())) {
      names.push_back(it->path().filename().string());
    }
  }
  if (ec) return absl::ErrnoToStatus(ec.value(), absl::StrCat("cannot list ", dir));
  if (names.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no PNG or JPEG images in ", dir));
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<cv::Mat> DecodeImage(const std::string& path, const std::string& name) {
  INFIP_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path, kMaxImageFileBytes));
  if (const std::optional<ImageSize> size = PeekImageSize(bytes);
      size.has_value() && size->width * size->height > kMaxImagePixels) {
    return absl::InvalidArgumentError(absl::StrCat(name, " declares a ", size->width, "x",
                                                   size->height, " image; the limit is ",
                                                   kMaxImagePixels, " pixels"));
  }
  cv::Mat decoded;
  try {
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1, bytes.data());
    decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": cannot decode image: ", e.what()));
  }
  if (decoded.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": cannot decode image"));
  }
  return decoded;
}

}  // namespace

absl::StatusOr<DecodedImages> ReadImageDir(const std::string& dir,
                                           const Preprocessing& preprocessing,
                                           std::optional<int64_t> limit) {
  INFIP_RETURN_IF_ERROR(ValidateResize(preprocessing));
  if (limit.has_value() && *limit < 1) {
    return absl::InvalidArgumentError(absl::StrCat("limit must be at least 1, not ", *limit));
  }
  INFIP_ASSIGN_OR_RETURN(std::vector<std::string> names, ListImages(dir));
  if (limit.has_value() && static_cast<size_t>(*limit) < names.size()) names.resize(*limit);

  std::vector<cv::Mat> images;
  int64_t total_bytes = 0;
  for (const std::string& name : names) {
    INFIP_ASSIGN_OR_RETURN(cv::Mat decoded, DecodeImage((fs::path(dir) / name).string(), name));
    INFIP_ASSIGN_OR_RETURN(cv::Mat pixels, ToGrayOrRgb(decoded, name));
    INFIP_ASSIGN_OR_RETURN(pixels, ResizeAndConvert(pixels, preprocessing, name));
    if (!images.empty()) {
      const cv::Mat& first = images.front();
      if (pixels.size() != first.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, " is ", pixels.rows, "x", pixels.cols, " but ", names.front(), " is ", first.rows,
            "x", first.cols, "; give a resize to use images of different sizes"));
      }
      if (pixels.channels() != first.channels()) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, " has ", pixels.channels(), " channel(s) but ", names.front(),
                         " has ", first.channels(), "; choose color gray or rgb to mix them"));
      }
    }
    // Counted as the float32 batch the key set becomes, the larger of the two copies.
    total_bytes += static_cast<int64_t>(pixels.total() * pixels.channels()) * 4;
    if (total_bytes > kMaxArrayBytes) {
      return absl::InvalidArgumentError(absl::StrCat(dir, ": the key set exceeds ", kMaxArrayBytes,
                                                     " bytes at ", name, "; use a limit"));
    }
    images.push_back(std::move(pixels));
  }
  INFIP_ASSIGN_OR_RETURN(torch::Tensor stacked,
                         CatchTorch(
                             "stacking images", [&] { return StackChw(images); },
                             absl::StatusCode::kResourceExhausted));
  return DecodedImages{std::move(stacked), std::move(names)};
}

absl::StatusOr<std::string> EncodePng(const torch::Tensor& image) {
  if (!image.defined() || image.scalar_type() != torch::kUInt8) {
    return absl::InvalidArgumentError("PNG encoding needs a uint8 tensor");
  }
  const bool gray = image.dim() == 2;
  if (!gray && !(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PNG encoding needs H x W or C x H x W with C = 1 or 3, not ", c10::str(image.sizes())));
  }
  if (image.numel() == 0) return absl::InvalidArgumentError("PNG encoding: empty image");
  INFIP_ASSIGN_OR_RETURN(torch::Tensor chw, CatchTorch("PNG encoding", [&] {
                           return gray ? image.unsqueeze(0).cpu() : image.cpu();
                         }));
  std::vector<uchar> encoded;
  try {
    cv::Mat mat = ChwToMat(chw);
    if (mat.channels() == 3) cv::cvtColor(mat, mat, cv::COLOR_RGB2BGR);
    if (!cv::imencode(".png", mat, encoded)) {
      return absl::InternalError("OpenCV could not encode the PNG");
    }
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("cannot encode PNG: ", e.what()));
  }
  return std::string(reinterpret_cast<const char*>(encoded.data()), encoded.size());
}

absl::Status WritePng(const std::string& path, const torch::Tensor& image) {
  absl::StatusOr<std::string> png = EncodePng(image);
  if (!png.ok()) {
    return absl::Status(png.status().code(), absl::StrCat(path, ": ", png.status().message()));
  }
  return WriteFileAtomically(path, *png);
}

}  // namespace infip::io
