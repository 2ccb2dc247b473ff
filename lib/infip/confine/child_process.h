// Running a piece of code in a forked child and learning how it ended: the building block of
// the self-check (self_check.h) and of the tests, since confinement cannot be undone and must
// never be applied to the process that asks for it.
//
//   absl::StatusOr<ChildOutcome> outcome = RunInChild([&] {
//     Policy policy;
//     policy.keep_fds = {2};                    // the child's stderr is the pipe read here
//     if (!Apply(policy).ok()) return 3;
//     return ::execl("/bin/true", "true", nullptr) == 0 ? 0 : 1;
//   });
//   // outcome->Describe() == "SIGSYS: forbidden syscall 59 (execve)"
//
// The child's fd 2 is a pipe the parent drains; stdin and stdout are inherited. The body's
// return value is the child's exit status (_exit: no atexit handlers, no stdio flush, so the
// parent's buffers are not written twice). Fork only from a single-threaded process: the child
// gets one thread and the body may allocate.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace infip::confine {

struct ChildOutcome {
  bool exited = false;  // exit_code is valid
  int exit_code = -1;
  int signal = 0;          // killed by this signal (when !exited and !timed_out)
  bool timed_out = false;  // still running at the deadline; killed with SIGKILL
  std::string output;      // everything the child wrote to its fd 2
  // Parsed from output when exit_code is kForbiddenSyscallExit.
  std::optional<int> forbidden_syscall;

  // "exit 0", "signal SIGXCPU", "SIGSYS: forbidden syscall 59 (execve)", "timed out".
  [[nodiscard]] std::string Describe() const;
};

// Forks, runs `body` in the child and waits for it, killing it at `timeout`. INTERNAL when
// the pipe or the fork fails.
[[nodiscard]] absl::StatusOr<ChildOutcome> RunInChild(
    const std::function<int()>& body, std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace infip::confine
