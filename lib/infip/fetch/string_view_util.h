// Debian 12's abseil (20220623) has its own absl::string_view, distinct from
// std::string_view; the fetch module speaks std::string_view and converts at absl calls.
//
//   absl::StrCat("handle ", ToAbsl(display));
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace infip::fetch::internal {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace infip::fetch::internal
