// FindWorkerBinary (worker_process.h). Its own file: only it sees INFIP_WORKER_BUILD_PATH, the
// build tree's infip-worker, which no other file's compilation should depend on.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/sandbox/worker_process.h"

namespace infip::sandbox {

absl::StatusOr<std::string> FindWorkerBinary() {
  std::vector<std::string> tried;
  const auto usable = [&tried](const std::string& path) {
    tried.push_back(path);
    return ::access(path.c_str(), X_OK) == 0;
  };
  if (const char* env = std::getenv("INFIP_WORKER_BINARY"); env != nullptr && *env != '\0') {
    if (usable(env)) return std::string(env);
    return absl::NotFoundError(
        absl::StrCat("INFIP_WORKER_BINARY names ", env, ", which is not an executable file"));
  }
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::string beside = (self.parent_path() / "infip-worker").string();
    if (usable(beside)) return beside;
  }
#ifdef INFIP_WORKER_BUILD_PATH
  if (usable(INFIP_WORKER_BUILD_PATH)) return std::string(INFIP_WORKER_BUILD_PATH);
#endif
  return absl::NotFoundError(absl::StrCat("cannot find the sandboxed worker infip-worker (tried ",
                                          absl::StrJoin(tried, ", "),
                                          "); set INFIP_WORKER_BINARY or --worker-binary"));
}

}  // namespace infip::sandbox
