// Landlock: from the moment it is applied, the process may only read (and map and execute)
// beneath its readable paths, and may create, write, truncate, remove, rename or link nothing,
// anywhere; where the kernel knows TCP rules (ABI 4+), it may also bind and connect no TCP
// socket. Root is bound too: Landlock does not yield to capabilities.
//
//   LandlockSupport support = ProbeLandlock();          // {7, ""} on Linux 6.15 to 6.18
//   if (support.abi == 0) return Unavailable(support.why_not);
//   INFIP_ASSIGN_OR_RETURN(LandlockRuleset ruleset,
//                          LandlockRuleset::Create(support.abi, DefaultReadablePaths()));
//   // ... close descriptors (keep ruleset.descriptors()), set rlimits, PR_SET_NO_NEW_PRIVS ...
//   INFIP_ASSIGN_OR_RETURN(std::string note, std::move(ruleset).RestrictAllThreads());
//
// Threads: landlock_restrict_self(2) restricts the calling thread only, on every kernel up to
// and including ABI 7 (Linux 6.18 here): threads that already exist keep full access, and only
// threads created afterwards inherit the restriction. ABI 8 adds LANDLOCK_RESTRICT_SELF_TSYNC,
// which restricts every thread at once; below it RestrictAllThreads has each other thread
// restrict itself (landlock_threads.h) before the calling thread does. So a worker whose
// LibTorch thread pools already run is still covered as a whole.
//
// Glibc has no wrappers and Debian 12's linux-libc-dev (6.1) knows ABI 2; the rights of later
// ABIs are kernel ABI constants, defined in landlock.cc, and only used where probed.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "infip/confine/descriptors.h"

namespace infip::confine {

struct LandlockSupport {
  int abi = 0;          // 0: Landlock cannot be used here
  std::string why_not;  // when abi == 0, e.g. "ENOSYS: the kernel has no Landlock"
};

// Asks the kernel for its Landlock ABI version (LANDLOCK_CREATE_RULESET_VERSION).
[[nodiscard]] LandlockSupport ProbeLandlock();

class LandlockRuleset {
 public:
  // Handles every filesystem right `abi` knows (and TCP bind/connect from ABI 4) and allows
  // only reading, listing and executing beneath each path. Below ABI 8 it opens
  // /proc/self/task too, for restricting the other threads later. INVALID_ARGUMENT for abi < 1 or a
  // relative path, NOT_FOUND for a path that does not exist, INTERNAL when the kernel refuses a
  // rule.
  [[nodiscard]] static absl::StatusOr<LandlockRuleset> Create(
      int abi, const std::vector<std::string>& readable_paths);

  LandlockRuleset(LandlockRuleset&&) = default;
  LandlockRuleset& operator=(LandlockRuleset&&) = default;

  // The descriptors this object holds; a caller closing every other descriptor keeps these.
  [[nodiscard]] std::vector<int> descriptors() const;

  // Restricts every thread of the process, irreversibly, and closes the descriptors. Needs
  // PR_SET_NO_NEW_PRIVS on the calling thread (or CAP_SYS_ADMIN); the other threads set it on
  // themselves. Returns a note for the Report, e.g. "read-only beneath 9 paths; TCP bind and
  // connect denied; 3 other threads restricted". FAILED_PRECONDITION when another thread could
  // not be restricted (see landlock_threads.h), INTERNAL when the kernel refuses.
  [[nodiscard]] absl::StatusOr<std::string> RestrictAllThreads() &&;

 private:
  LandlockRuleset(int abi, UniqueFd ruleset, UniqueFd task_dir, size_t path_count)
      : abi_(abi),
        ruleset_(std::move(ruleset)),
        task_dir_(std::move(task_dir)),
        path_count_(path_count) {}

  int abi_;
  UniqueFd ruleset_;
  UniqueFd task_dir_;  // /proc/self/task, opened before descriptors are closed
  size_t path_count_;
};

}  // namespace infip::confine
