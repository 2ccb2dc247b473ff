#include "infip/confine/policy.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace infip::confine {
namespace {

// Fixed locations first; the order only matters for reading the Report.
constexpr std::string_view kSystemPaths[] = {
    "/etc/ld.so.cache",
    "/etc/ld.so.preload",
    "/lib",
    "/lib64",
    "/usr/lib",
    "/usr/lib64",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/local/lib",
    "/sys/devices/system/cpu",
    "/proc/cpuinfo",
    "/dev/null",
    "/dev/urandom",
};

// Directories of the shared objects mapped executable in /proc/self/maps. Only names with
// ".so" count, so the main executable's directory is never added.
std::vector<std::string> MappedLibraryDirectories() {
  std::vector<std::string> dirs;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    // "address perms offset dev inode path": the path is everything from its first '/', as a
    // path may hold spaces and nothing before it holds a '/'.
    std::istringstream fields(line);
    std::string address;
    std::string perms;
    fields >> address >> perms;
    const size_t slash = line.find('/');
    if (perms.find('x') == std::string::npos || slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.ends_with(" (deleted)")) continue;
    const size_t last = path.rfind('/');
    if (path.find(".so", last) == std::string::npos) continue;
    dirs.push_back(path.substr(0, last));
  }
  return dirs;
}

}  // namespace

std::vector<std::string> DefaultReadablePaths() {
  std::vector<std::string> candidates(std::begin(kSystemPaths), std::end(kSystemPaths));
  std::vector<std::string> mapped = MappedLibraryDirectories();
  std::sort(mapped.begin(), mapped.end());
  candidates.insert(candidates.end(), mapped.begin(), mapped.end());

  std::vector<std::string> paths;
  for (const std::string& candidate : candidates) {
    std::error_code ec;
    const std::filesystem::path canonical = std::filesystem::canonical(candidate, ec);
    if (ec) continue;  // absent here: only what exists is returned
    if (std::find(paths.begin(), paths.end(), canonical.string()) == paths.end()) {
      paths.push_back(canonical.string());
    }
  }
  return paths;
}

std::string Report::Describe() const {
  std::vector<std::string> parts;
  parts.push_back(no_new_privs ? "no_new_privs" : "no_new_privs NOT set");
  parts.push_back(landlock_abi > 0
                      ? absl::StrCat("Landlock ABI ", landlock_abi, " (", landlock_note, ")")
                      : landlock_note);
  parts.push_back(seccomp ? "seccomp deny-list on every thread" : "seccomp NOT loaded");
  parts.push_back(absl::StrCat("limits: ", limits));
  return absl::StrJoin(parts, "; ");
}

}  // namespace infip::confine
