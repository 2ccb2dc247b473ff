#include "infip/audit/evidence.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "infip/audit/evidence_grid.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/io/image_dir.h"

namespace infip::audit {
namespace {

absl::StatusOr<int64_t> KeysToShow(int max_keys, int64_t n) {
  if (max_keys < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_keys must be 0 (every key) or positive, not ", max_keys));
  }
  return max_keys == 0 ? n : std::min<int64_t>(max_keys, n);
}

absl::Status CheckSet(const io::KeySet& keys, const fingerprint::FingerprintSet& set,
                      absl::string_view what) {
  if (!keys.inputs.defined() || keys.inputs.dim() != 4 || !set.images.defined() ||
      set.images.dim() != 3 || set.images.size(0) != keys.inputs.size(0) ||
      set.images.size(1) != keys.inputs.size(2) || set.images.size(2) != keys.inputs.size(3)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", what, " fingerprints do not match the key set"));
  }
  return absl::OkStatus();
}

// The key images to show: one channel (gray) or three (RGB) as they are; any other channel
// count, which no image format shows as such, as the mean of its channels.
torch::Tensor KeyImages(const io::KeySet& keys, int64_t count) {
  torch::Tensor preview = io::KeyPreview(keys).narrow(0, 0, count);
  const int64_t channels = preview.size(1);
  if (channels == 1 || channels == 3) return preview.contiguous();
  return preview.to(torch::kFloat).mean(1, /*keepdim=*/true).round().to(torch::kUInt8).contiguous();
}

std::string KeyName(int64_t i, absl::string_view suffix) {
  return absl::StrFormat("key-%03d%s.png", i, suffix);
}

absl::Status Add(std::vector<EvidenceImage>& out, EvidenceKind kind, int64_t key_index,
                 std::string name, const torch::Tensor& image, double ssim = 0.0) {
  INFIP_ASSIGN_OR_RETURN(std::string png, io::EncodePng(image));
  out.push_back(EvidenceImage{kind, key_index, std::move(name), std::move(png), ssim});
  return absl::OkStatus();
}

absl::Status AddGrid(std::vector<EvidenceImage>& out,
                     const std::vector<std::vector<torch::Tensor>>& rows, int64_t height,
                     int64_t width) {
  const int64_t columns = rows.empty() ? 0 : static_cast<int64_t>(rows.front().size());
  const GridLayout layout = FitLayout(static_cast<int64_t>(rows.size()), columns, height, width);
  INFIP_ASSIGN_OR_RETURN(torch::Tensor sheet, CatchTorch(
                                                  "drawing the evidence grid",
                                                  [&] { return EvidenceSheet(rows, layout); },
                                                  absl::StatusCode::kResourceExhausted));
  return Add(out, EvidenceKind::kGrid, -1, "grid.png", sheet);
}

}  // namespace

absl::StatusOr<torch::Tensor> SsimMapImages(const torch::Tensor& a, const torch::Tensor& b,
                                            const similarity::SsimOptions& ssim) {
  INFIP_RETURN_IF_ERROR(similarity::CheckSsimInputs(a, b, ssim));
  return CatchTorch("SSIM maps", [&] {
    return ((similarity::SsimMaps(a, b, ssim).clamp(-1.0, 1.0) + 1.0) * 127.5)
        .round()
        .to(torch::kUInt8)
        .cpu()
        .contiguous();
  });
}

absl::StatusOr<std::vector<EvidenceImage>> VerdictImages(
    const io::KeySet& keys, const fingerprint::FingerprintSet& registered,
    const fingerprint::FingerprintSet& suspect, const std::vector<double>& per_key_ssim,
    int max_keys, const similarity::SsimOptions& ssim) {
  INFIP_RETURN_IF_ERROR(CheckSet(keys, registered, "registered"));
  INFIP_RETURN_IF_ERROR(CheckSet(keys, suspect, "suspect's"));
  const int64_t n = keys.inputs.size(0);
  if (static_cast<int64_t>(per_key_ssim.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat(per_key_ssim.size(), " per-key SSIM values for ", n, " keys"));
  }
  INFIP_ASSIGN_OR_RETURN(const int64_t count, KeysToShow(max_keys, n));
  const torch::Tensor s = registered.images.narrow(0, 0, count).contiguous();
  const torch::Tensor s2 = suspect.images.narrow(0, 0, count).contiguous();
  INFIP_ASSIGN_OR_RETURN(torch::Tensor maps, SsimMapImages(s, s2, ssim));
  const torch::Tensor key_images = KeyImages(keys, count);

  std::vector<EvidenceImage> out;
  std::vector<std::vector<torch::Tensor>> rows;
  for (int64_t i = 0; i < count; ++i) {
    INFIP_RETURN_IF_ERROR(Add(out, EvidenceKind::kKey, i, KeyName(i, ""), key_images[i]));
    INFIP_RETURN_IF_ERROR(
        Add(out, EvidenceKind::kRegisteredFingerprint, i, KeyName(i, "-registered"), s[i]));
    INFIP_RETURN_IF_ERROR(
        Add(out, EvidenceKind::kSuspectFingerprint, i, KeyName(i, "-suspect"), s2[i]));
    INFIP_RETURN_IF_ERROR(Add(out, EvidenceKind::kSsimMap, i, KeyName(i, "-ssim"), maps[i],
                              per_key_ssim[static_cast<size_t>(i)]));
    rows.push_back({key_images[i], s[i], s2[i], maps[i]});
  }
  INFIP_RETURN_IF_ERROR(AddGrid(out, rows, keys.inputs.size(2), keys.inputs.size(3)));
  return out;
}

absl::StatusOr<std::vector<EvidenceImage>> ComparisonImages(
    const fingerprint::FingerprintSet& registered, const fingerprint::FingerprintSet& suspect,
    const std::vector<double>& per_key_ssim, int max_keys, const similarity::SsimOptions& ssim) {
  if (!registered.images.defined() || registered.images.dim() != 3 || !suspect.images.defined() ||
      registered.images.sizes() != suspect.images.sizes()) {
    return absl::InvalidArgumentError(
        "the suspect's fingerprints do not match the registered ones");
  }
  const int64_t n = registered.images.size(0);
  if (static_cast<int64_t>(per_key_ssim.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat(per_key_ssim.size(), " per-key SSIM values for ", n, " keys"));
  }
  INFIP_ASSIGN_OR_RETURN(const int64_t count, KeysToShow(max_keys, n));
  INFIP_ASSIGN_OR_RETURN(torch::Tensor maps,
                         SsimMapImages(registered.images.narrow(0, 0, count).contiguous(),
                                       suspect.images.narrow(0, 0, count).contiguous(), ssim));
  std::vector<EvidenceImage> out;
  std::vector<std::vector<torch::Tensor>> rows;
  for (int64_t i = 0; i < count; ++i) {
    INFIP_RETURN_IF_ERROR(Add(out, EvidenceKind::kSsimMap, i, KeyName(i, "-ssim"), maps[i],
                              per_key_ssim[static_cast<size_t>(i)]));
    rows.push_back({maps[i]});
  }
  INFIP_RETURN_IF_ERROR(AddGrid(out, rows, maps.size(1), maps.size(2)));
  return out;
}

absl::StatusOr<std::vector<EvidenceImage>> RegistrationImages(
    const io::KeySet& keys, const fingerprint::FingerprintSet& registered, int max_keys) {
  INFIP_RETURN_IF_ERROR(CheckSet(keys, registered, "registered"));
  INFIP_ASSIGN_OR_RETURN(const int64_t count, KeysToShow(max_keys, keys.inputs.size(0)));
  const torch::Tensor s = registered.images.narrow(0, 0, count).contiguous();
  const torch::Tensor key_images = KeyImages(keys, count);
  std::vector<EvidenceImage> out;
  std::vector<std::vector<torch::Tensor>> rows;
  for (int64_t i = 0; i < count; ++i) {
    INFIP_RETURN_IF_ERROR(Add(out, EvidenceKind::kKey, i, KeyName(i, ""), key_images[i]));
    INFIP_RETURN_IF_ERROR(
        Add(out, EvidenceKind::kRegisteredFingerprint, i, KeyName(i, "-registered"), s[i]));
    rows.push_back({key_images[i], s[i]});
  }
  INFIP_RETURN_IF_ERROR(AddGrid(out, rows, keys.inputs.size(2), keys.inputs.size(3)));
  return out;
}

}  // namespace infip::audit
