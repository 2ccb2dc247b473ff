// The checks the Auditor applies to what callers hand it, before any work: its own options,
// an owner's registration settings (with the defaults filled in), and a suspect model.
//
//   INFIP_RETURN_IF_ERROR(CheckAuditorOptions(options));
//   INFIP_ASSIGN_OR_RETURN(ResolvedSettings s, ResolveSettings(request, options));
//   INFIP_RETURN_IF_ERROR(CheckSuspect(suspect));
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "infip/audit/audit_types.h"
#include "infip/fingerprint/image.h"

namespace infip::audit {

inline constexpr size_t kMaxOwnerCharacters = 128;
inline constexpr size_t kMaxModelNameCharacters = 256;

// INVALID_ARGUMENT naming `what` unless `text` is 1 to max_characters characters of UTF-8
// without control characters, not all blank, and at most 256 bytes (what stores keep).
[[nodiscard]] absl::Status CheckPrintable(std::string_view text, size_t max_characters,
                                          std::string_view what);

// INVALID_ARGUMENT for an unknown default composite, a threshold outside [-1, 1], a lambda that
// is not positive, a chunk size or limit below 1, or comparison settings Compare would refuse.
// The device is checked by ParseDevice (extraction.h).
[[nodiscard]] absl::Status CheckAuditorOptions(const AuditorOptions& options);

// A registration's settings, every default applied and every value checked.
struct ResolvedSettings {
  std::string owner;
  std::string model_name;
  std::string composite;
  fingerprint::ImageOptions image;
  double threshold = 0.0;
};

// INVALID_ARGUMENT naming the setting: owner and model name (CheckPrintable, at most
// kMaxOwnerCharacters and kMaxModelNameCharacters), an unknown composite (the message lists
// the known ones), a lambda that is not a positive number, a threshold outside [-1, 1].
[[nodiscard]] absl::StatusOr<ResolvedSettings> ResolveSettings(const RegisterSettings& settings,
                                                               const AuditorOptions& options);

// INVALID_ARGUMENT unless the model has a path, a printable name (as a model name), and a
// sha256 that is empty (to be computed) or 64 lowercase hex digits.
[[nodiscard]] absl::Status CheckSuspect(const SuspectModel& suspect);

// 64 lowercase hex digits.
[[nodiscard]] bool IsSha256Hex(std::string_view text);

}  // namespace infip::audit
