// The engine version recorded with every fingerprint set. Bump the minor number whenever a
// change could alter a fingerprint bit for the same model and key set.
#pragma once

namespace infip {
inline constexpr char kEngineVersion[] = "infip-engine/0.1.0";
}  // namespace infip
