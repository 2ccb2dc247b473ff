#include "infip/audit/key_upload.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/io/npy.h"

namespace infip::audit {
namespace {

// Long enough for any Preprocessing::Describe(); a longer text is not a description.
constexpr size_t kMaxPreprocessingBytes = 4096;

absl::Status Bad(absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("key set: ", message));
}

// One value for every channel, or one per channel, each finite: the box as the store keeps it
// (C values).
absl::StatusOr<std::vector<double>> BoxPerChannel(const std::vector<double>& values,
                                                  int64_t channels, absl::string_view what) {
  if (values.size() != 1 && static_cast<int64_t>(values.size()) != channels) {
    return Bad(absl::StrCat(what, " has ", values.size(), " values; give one for every channel or ",
                            channels, " (one per channel)"));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return Bad(absl::StrCat(what, "[", i, "] is ", values[i], ", not a finite number"));
    }
  }
  if (values.size() == 1) return std::vector<double>(static_cast<size_t>(channels), values[0]);
  return values;
}

// Every value finite and inside the box: the zB rule assumes low <= x <= high, and a wrong box
// (the default [0, 1] for normalised data, say) would otherwise give fingerprints that look
// fine and mean nothing. The slack absorbs float32 rounding of the box itself.
absl::Status CheckValues(const torch::Tensor& inputs, const std::vector<double>& low,
                         const std::vector<double>& high) {
  const int64_t n = inputs.size(0);
  const int64_t channels = inputs.size(1);
  const int64_t plane = inputs.size(2) * inputs.size(3);
  const float* x = inputs.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < channels; ++c) {
      const double slack = 1e-4 * (high[c] - low[c]);
      for (int64_t p = 0; p < plane; ++p, ++x) {
        if (!std::isfinite(*x)) {
          return Bad(
              absl::StrCat("key ", i, " channel ", c, " holds ", *x, ", not a finite number"));
        }
        if (!(*x >= low[c] - slack && *x <= high[c] + slack)) {
          return Bad(absl::StrCat("key ", i, " channel ", c, " holds ", *x, ", outside the box [",
                                  low[c], ", ", high[c],
                                  "]; send the box the inputs were normalised to"));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<io::KeySet> DecodeKeySet(const KeySetUpload& upload, const Limits& limits) {
  if (upload.npy.empty()) return Bad("no .npy bytes");
  if (static_cast<int64_t>(upload.npy.size()) > limits.max_key_set_bytes) {
    return Bad(absl::StrCat("the .npy holds ", upload.npy.size(), " bytes; at most ",
                            limits.max_key_set_bytes, " are accepted"));
  }
  if (upload.preprocessing.size() > kMaxPreprocessingBytes) {
    return Bad(absl::StrCat("the preprocessing description has ", upload.preprocessing.size(),
                            " bytes; at most ", kMaxPreprocessingBytes));
  }
  absl::StatusOr<torch::Tensor> parsed = io::ParseNpy(upload.npy);
  if (!parsed.ok()) return Bad(parsed.status().message());
  torch::Tensor inputs = *std::move(parsed);
  if (inputs.scalar_type() != torch::kFloat || inputs.dim() != 4) {
    return Bad(absl::StrCat("the .npy must be a float32 (or float64) N x C x H x W array, not ",
                            c10::toString(inputs.scalar_type()), " of shape ",
                            c10::str(inputs.sizes())));
  }
  const int64_t n = inputs.size(0);
  if (n < 1) return Bad("the array holds no keys (N = 0)");
  if (inputs.size(1) < 1 || inputs.size(2) < 1 || inputs.size(3) < 1) {
    return Bad(
        absl::StrCat("every key must have a positive C x H x W, not ", c10::str(inputs.sizes())));
  }
  if (n > limits.max_keys) {
    return Bad(absl::StrCat(n, " keys; at most ", limits.max_keys, " are accepted"));
  }
  const int64_t channels = inputs.size(1);
  INFIP_ASSIGN_OR_RETURN(std::vector<double> low,
                         BoxPerChannel(upload.box_low, channels, "box_low"));
  INFIP_ASSIGN_OR_RETURN(std::vector<double> high,
                         BoxPerChannel(upload.box_high, channels, "box_high"));
  for (int64_t c = 0; c < channels; ++c) {
    if (!(low[c] < high[c])) {
      return Bad(
          absl::StrCat("channel ", c, ": box_low ", low[c], " must be below box_high ", high[c]));
    }
  }
  INFIP_RETURN_IF_ERROR(CheckValues(inputs, low, high));

  io::KeySet keys;
  keys.sha256 = io::KeySetSha256(inputs);
  keys.inputs = std::move(inputs);
  keys.box_low = std::move(low);
  keys.box_high = std::move(high);
  keys.preprocessing = upload.preprocessing;
  keys.names.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) keys.names.push_back(absl::StrCat("key:", i));
  return keys;
}

absl::StatusOr<KeySetUpload> EncodeKeySet(const io::KeySet& keys) {
  if (!keys.inputs.defined() || keys.inputs.dim() != 4 ||
      keys.inputs.scalar_type() != torch::kFloat) {
    return absl::InvalidArgumentError("key set: inputs must be a float32 N x C x H x W tensor");
  }
  KeySetUpload upload;
  INFIP_ASSIGN_OR_RETURN(upload.npy, io::SerializeNpy(keys.inputs));
  upload.box_low = keys.box_low;
  upload.box_high = keys.box_high;
  upload.preprocessing = keys.preprocessing;
  return upload;
}

}  // namespace infip::audit
