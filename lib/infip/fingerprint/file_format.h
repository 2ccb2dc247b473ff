// The .infip file: one FingerprintSet, self-describing and versioned. Layout (docs/infip-format.md):
//
//   offset 0   8 bytes   magic "INFIPFS\n"
//          8   u32 LE    format version (currently 1)
//         12   u32 LE    header length L
//         16   L bytes   header: UTF-8 lines "key: value\n" (metadata, section sizes)
//     16 + L   ...       sections named in the header: fingerprints (N*H*W bytes),
//                        key_preview (N*C*H*W bytes, optional)
//        end   u32 LE    CRC-32 (IEEE) of every preceding byte
//
// A file with another magic, an unknown version, a bad checksum, a truncated section or a
// malformed header gives INVALID_ARGUMENT naming what is wrong; unknown header keys are kept
// readable by newer versions and ignored by this one.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "infip/fingerprint/fingerprint_set.h"

namespace infip::fingerprint {

inline constexpr uint32_t kFormatVersion = 1;

[[nodiscard]] absl::StatusOr<std::string> SerializeFingerprintSet(const FingerprintSet& set);
[[nodiscard]] absl::StatusOr<FingerprintSet> ParseFingerprintSet(std::string_view bytes);

// Writes atomically (temp file + rename); NOT_FOUND / PERMISSION_DENIED style errors name the
// path.
[[nodiscard]] absl::Status WriteFingerprintSetFile(const FingerprintSet& set,
                                                   const std::string& path);
[[nodiscard]] absl::StatusOr<FingerprintSet> ReadFingerprintSetFile(const std::string& path);

}  // namespace infip::fingerprint
