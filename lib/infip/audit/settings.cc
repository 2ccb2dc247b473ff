#include "infip/audit/settings.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/dtd/composite.h"
#include "infip/store/validate.h"

namespace infip::audit {
namespace {

constexpr size_t kMaxNameBytes = std::min(store::kMaxOwnerLength, store::kMaxModelNameLength);

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status CheckThreshold(double threshold, absl::string_view what) {
  if (std::isfinite(threshold) && threshold >= -1.0 && threshold <= 1.0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " ", threshold, " is outside [-1, 1] (SSIM's range)"));
}

absl::Status CheckLambda(double lambda, absl::string_view what) {
  if (std::isfinite(lambda) && lambda > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " ", lambda, " is not a positive number"));
}

absl::Status CheckComposite(const std::string& name, absl::string_view what) {
  if (dtd::Composite::ByName(name).ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " \"", absl::CEscape(name),
                   "\" is unknown; known: ", absl::StrJoin(dtd::Composite::Names(), ", ")));
}

// The length of the UTF-8 sequence starting with `lead`, or 0 for a byte no sequence starts
// with.
int SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

}  // namespace

absl::Status CheckPrintable(std::string_view text, size_t max_characters, std::string_view what) {
  const absl::string_view name = View(what);
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(name, " is empty"));
  // Stores bound names in bytes (store/validate.h); four bytes per character at most.
  if (text.size() > kMaxNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " has ", text.size(), " bytes; at most ", kMaxNameBytes));
  }
  size_t characters = 0;
  bool blank = true;
  for (size_t i = 0; i < text.size();) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    const int length = SequenceLength(lead);
    if (length == 0 || i + length > text.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " is not valid UTF-8 (at byte ", i, ")"));
    }
    uint32_t code = length == 1 ? lead : lead & (0x7f >> length);
    for (int k = 1; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, " is not valid UTF-8 (at byte ", i + k, ")"));
      }
      code = (code << 6) | (next & 0x3f);
    }
    const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    if (overlong || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " is not valid UTF-8 (at byte ", i, ")"));
    }
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " holds a control character (at byte ", i, ")"));
    }
    if (code != ' ') blank = false;
    ++characters;
    i += static_cast<size_t>(length);
  }
  if (blank) return absl::InvalidArgumentError(absl::StrCat(name, " is blank"));
  if (characters > max_characters) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " has ", characters, " characters; at most ", max_characters));
  }
  return absl::OkStatus();
}

absl::Status CheckAuditorOptions(const AuditorOptions& options) {
  INFIP_RETURN_IF_ERROR(CheckComposite(options.default_composite, "default composite"));
  INFIP_RETURN_IF_ERROR(CheckLambda(options.default_lambda, "default lambda"));
  INFIP_RETURN_IF_ERROR(CheckThreshold(options.default_threshold, "default threshold"));
  if (options.chunk_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("chunk size must be at least 1, not ", options.chunk_size));
  }
  const Limits& limits = options.limits;
  if (limits.max_keys < 1 || limits.max_key_set_bytes < 1 || limits.max_fingerprint_bytes < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "limits must be at least 1: max_keys ", limits.max_keys, ", max_key_set_bytes ",
        limits.max_key_set_bytes, ", max_fingerprint_bytes ", limits.max_fingerprint_bytes));
  }
  const similarity::CompareOptions& compare = options.compare;
  if (compare.bootstrap_resamples < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("bootstrap resamples must be at least 1, not ", compare.bootstrap_resamples));
  }
  if (!(compare.confidence > 0.0 && compare.confidence < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("confidence ", compare.confidence, " is outside (0, 1)"));
  }
  if (compare.ssim.window < 1 || compare.ssim.window % 2 == 0 ||
      !(std::isfinite(compare.ssim.sigma) && compare.ssim.sigma > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("SSIM window must be odd and positive and sigma positive, not ",
                     compare.ssim.window, " and ", compare.ssim.sigma));
  }
  return absl::OkStatus();
}

absl::StatusOr<ResolvedSettings> ResolveSettings(const RegisterSettings& settings,
                                                 const AuditorOptions& options) {
  INFIP_RETURN_IF_ERROR(CheckPrintable(settings.owner, kMaxOwnerCharacters, "owner"));
  INFIP_RETURN_IF_ERROR(CheckPrintable(settings.model_name, kMaxModelNameCharacters, "model name"));
  ResolvedSettings out;
  out.owner = settings.owner;
  out.model_name = settings.model_name;
  out.composite = settings.composite.empty() ? options.default_composite : settings.composite;
  INFIP_RETURN_IF_ERROR(CheckComposite(out.composite, "composite"));
  out.image.lambda = settings.lambda.value_or(options.default_lambda);
  INFIP_RETURN_IF_ERROR(CheckLambda(out.image.lambda, "lambda"));
  out.image.scaling = settings.lambda_scaling.value_or(options.default_lambda_scaling);
  out.threshold = settings.threshold.value_or(options.default_threshold);
  INFIP_RETURN_IF_ERROR(CheckThreshold(out.threshold, "threshold"));
  return out;
}

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status CheckSuspect(const SuspectModel& suspect) {
  if (suspect.path.empty()) return absl::InvalidArgumentError("suspect model: no file path");
  INFIP_RETURN_IF_ERROR(
      CheckPrintable(suspect.name, kMaxModelNameCharacters, "suspect model name"));
  if (!suspect.sha256.empty() && !IsSha256Hex(suspect.sha256)) {
    return absl::InvalidArgumentError(absl::StrCat("suspect model sha256 \"",
                                                   absl::CEscape(suspect.sha256),
                                                   "\" is not 64 lowercase hex digits"));
  }
  return absl::OkStatus();
}

}  // namespace infip::audit
