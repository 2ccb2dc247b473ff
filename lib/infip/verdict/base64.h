// Base64 (RFC 4648) for DSSE envelopes: encoding always uses the standard alphabet with
// padding; decoding is strict but accepts both alphabets, as the DSSE protocol requires of a
// verifier.
//
//   std::string text = Base64Encode(signature);            // "A3Jq...ZA=="
//   INFIP_ASSIGN_OR_RETURN(std::string bytes, Base64Decode(text));
//
// Strict means: no whitespace or other characters outside the alphabet, no mixing of the
// standard ('+', '/') and URL-safe ('-', '_') characters, padding either absent or exactly
// right, and zero unused bits in the last character, so every byte string has one accepted
// spelling per alphabet and padding choice.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infip::verdict {

[[nodiscard]] std::string Base64Encode(std::string_view bytes);

// INVALID_ARGUMENT naming the offending position or rule.
[[nodiscard]] absl::StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace infip::verdict
