// Debian 12's abseil (20220623) has its own absl::string_view, distinct from std::string_view;
// server/ speaks std::string_view and converts where it calls abseil.
//
//   absl::StrCat("flag ", Absl(name));
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace infip::server {

inline absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view Std(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace infip::server
