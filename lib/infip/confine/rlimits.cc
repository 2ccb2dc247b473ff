#include "infip/confine/rlimits.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace infip::confine {
namespace {

// Sets soft and hard, never above the current hard limit; returns the pair as set.
absl::StatusOr<rlimit> Lower(int resource, const char* name, rlim_t soft, rlim_t hard) {
  rlimit current{};
  if (::getrlimit(resource, &current) != 0) {
    return absl::InternalError(absl::StrCat("getrlimit ", name, ": ", std::strerror(errno)));
  }
  rlimit wanted{std::min(soft, current.rlim_max), std::min(hard, current.rlim_max)};
  wanted.rlim_cur = std::min(wanted.rlim_cur, wanted.rlim_max);
  if (::setrlimit(resource, &wanted) != 0) {
    return absl::InternalError(absl::StrCat("setrlimit ", name, ": ", std::strerror(errno)));
  }
  return wanted;
}

// The CPU time this process has used so far, in whole seconds rounded up, so that the worker
// gets at least cpu_seconds more before SIGXCPU.
rlim_t CpuSecondsUsed() {
  timespec used{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
  return static_cast<rlim_t>(used.tv_sec) + (used.tv_nsec > 0 ? 1 : 0);
}

}  // namespace

absl::StatusOr<std::string> ApplyResourceLimits(const Policy& policy) {
  if (policy.memory_bytes < 0 || policy.cpu_seconds < 0 || policy.max_open_files < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "negative limit in policy: memory_bytes ", policy.memory_bytes, ", cpu_seconds ",
        policy.cpu_seconds, ", max_open_files ", policy.max_open_files));
  }
  std::vector<std::string> set;
  if (policy.memory_bytes > 0) {
    const int resource = policy.memory_as_data ? RLIMIT_DATA : RLIMIT_AS;
    const char* name = policy.memory_as_data ? "RLIMIT_DATA" : "RLIMIT_AS";
    const auto bytes = static_cast<rlim_t>(policy.memory_bytes);
    absl::StatusOr<rlimit> got = Lower(resource, name, bytes, bytes);
    if (!got.ok()) return got.status();
    set.push_back(absl::StrCat(name, " ", got->rlim_cur));
  }
  if (policy.cpu_seconds > 0) {
    const rlim_t soft = CpuSecondsUsed() + static_cast<rlim_t>(policy.cpu_seconds);
    absl::StatusOr<rlimit> got = Lower(RLIMIT_CPU, "RLIMIT_CPU", soft, soft + 2);
    if (!got.ok()) return got.status();
    set.push_back(absl::StrCat("RLIMIT_CPU soft ", got->rlim_cur, " s hard ", got->rlim_max, " s"));
  }
  {
    const auto files = static_cast<rlim_t>(policy.max_open_files);
    absl::StatusOr<rlimit> got = Lower(RLIMIT_NOFILE, "RLIMIT_NOFILE", files, files);
    if (!got.ok()) return got.status();
    set.push_back(absl::StrCat("RLIMIT_NOFILE ", got->rlim_cur));
  }
  for (const auto& [resource, name] :
       {std::pair{RLIMIT_FSIZE, "RLIMIT_FSIZE"}, std::pair{RLIMIT_CORE, "RLIMIT_CORE"}}) {
    absl::StatusOr<rlimit> got = Lower(resource, name, 0, 0);
    if (!got.ok()) return got.status();
    set.push_back(absl::StrCat(name, " 0"));
  }
  return absl::StrJoin(set, ", ");
}

}  // namespace infip::confine
