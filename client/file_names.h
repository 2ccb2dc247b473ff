// Whether a name the server sent may be used as a file name inside a directory the user
// chose: one plain path component, so that evidence can never be written elsewhere
// ("../x", "/etc/x", "a/b" are refused).
#pragma once

#include <string_view>

namespace infip::cli {

// True for 1..255 bytes of printable ASCII other than '/' and '\\', not "." or "..", not
// starting with '.' or '-' (hidden files and names that read as flags in a shell).
[[nodiscard]] bool IsPlainFileName(std::string_view name);

}  // namespace infip::cli
