#include "client/file_names.h"

namespace infip::cli {

bool IsPlainFileName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  if (name.front() == '.' || name.front() == '-') return false;  // also "." and ".."
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '/' || c == '\\') return false;
  }
  return true;
}

}  // namespace infip::cli
