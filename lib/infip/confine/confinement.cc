#include "infip/confine/confinement.h"

#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/confine/descriptors.h"
#include "infip/confine/forbidden_syscall.h"
#include "infip/confine/landlock.h"
#include "infip/confine/rlimits.h"
#include "infip/confine/seccomp_filter.h"

namespace infip::confine {
namespace {

absl::Status Validate(const Policy& policy) {
  if (policy.memory_bytes < 0 || policy.cpu_seconds < 0 || policy.max_open_files < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "negative limit in policy: memory_bytes ", policy.memory_bytes, ", cpu_seconds ",
        policy.cpu_seconds, ", max_open_files ", policy.max_open_files));
  }
  for (const int fd : policy.keep_fds) {
    if (fd < 0) return absl::InvalidArgumentError(absl::StrCat("keep_fds holds ", fd));
  }
  for (const std::string& path : policy.readable_paths) {
    if (path.empty() || path.front() != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("readable path \"", path, "\" is not absolute"));
    }
    // Checked here too, not only by the Landlock ruleset, so that a bad policy fails the same
    // way on a kernel without Landlock.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("readable path ", path, " does not exist"));
    }
  }
  return absl::OkStatus();
}

// Step 1 for Landlock: the ruleset, or nullopt (with the reason in the report) without it.
absl::StatusOr<std::optional<LandlockRuleset>> PrepareLandlock(const Policy& policy,
                                                               Report& report) {
  const LandlockSupport support = ProbeLandlock();
  if (support.abi == 0) {
    if (policy.require_landlock) {
      return absl::FailedPreconditionError(
          absl::StrCat("the policy requires Landlock, and it is unavailable: ", support.why_not));
    }
    report.landlock_note = absl::StrCat("Landlock unavailable (", support.why_not, ")");
    return std::nullopt;
  }
  const std::vector<std::string> paths =
      policy.readable_paths.empty() ? DefaultReadablePaths() : policy.readable_paths;
  INFIP_ASSIGN_OR_RETURN(LandlockRuleset ruleset, LandlockRuleset::Create(support.abi, paths));
  report.landlock_abi = support.abi;
  return std::optional<LandlockRuleset>(std::move(ruleset));
}

}  // namespace

absl::StatusOr<Report> Apply(const Policy& policy) {
  INFIP_RETURN_IF_ERROR(Validate(policy));
  Report report;

  // 1. Prepare.
  INFIP_ASSIGN_OR_RETURN(std::optional<LandlockRuleset> landlock, PrepareLandlock(policy, report));
  INFIP_ASSIGN_OR_RETURN(SeccompFilter filter, SeccompFilter::Create(::getpid()));

  // 2. Descriptors (the ruleset's own stay open until step 5).
  std::vector<int> keep = policy.keep_fds;
  if (landlock.has_value()) {
    const std::vector<int> own = landlock->descriptors();
    keep.insert(keep.end(), own.begin(), own.end());
  }
  INFIP_RETURN_IF_ERROR(CloseDescriptorsExcept(std::move(keep)));

  // 3. Resource limits.
  INFIP_ASSIGN_OR_RETURN(report.limits, ApplyResourceLimits(policy));

  // 4. no_new_privs: required by Landlock and seccomp without CAP_SYS_ADMIN, and it keeps a
  // setuid binary from ever raising privileges (exec is denied as well).
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return absl::InternalError(absl::StrCat("PR_SET_NO_NEW_PRIVS: ", std::strerror(errno)));
  }
  report.no_new_privs = ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;

  // 5. Landlock.
  if (landlock.has_value()) {
    INFIP_ASSIGN_OR_RETURN(report.landlock_note, std::move(*landlock).RestrictAllThreads());
  }

  // 6. seccomp, last: the reporter must be in place first, as the filter forbids installing a
  // SIGSYS handler afterwards.
  INFIP_RETURN_IF_ERROR(InstallForbiddenSyscallReporter());
  INFIP_RETURN_IF_ERROR(filter.Load());
  report.seccomp = true;

  spdlog::debug("confined: {}", report.Describe());
  return report;
}

}  // namespace infip::confine
