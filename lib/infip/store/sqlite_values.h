// How SqliteStore writes values SQLite has no exact column type for: vectors of doubles (the
// key set's box, a verdict's per-key SSIM) as BLOBs of little-endian IEEE-754 binary64, bit
// for bit (a REAL column may keep an integral value as an integer and lose the sign of -0.0).
//
//   const std::string bytes = EncodeDoubles(keys.box_low);
//   INFIP_ASSIGN_OR_RETURN(std::vector<double> back, DecodeDoubles(bytes, "box_low"));
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace infip::store::sqlite {

[[nodiscard]] std::string EncodeDoubles(const std::vector<double>& values);

// DATA_LOSS, naming `what`, for a blob that is not a whole number of values.
[[nodiscard]] absl::StatusOr<std::vector<double>> DecodeDoubles(const std::string& bytes,
                                                                std::string_view what);

}  // namespace infip::store::sqlite
