// Helpers for the confinement tests. Confinement cannot be undone, so every test confines a
// forked child (RunInChild) and reads the verdict from the child's exit status and stderr:
//
//   ChildOutcome outcome = Child([] {
//     CHILD_ASSERT_OK(ConfineWithSeccompOnly());
//     ::execl("/bin/true", "true", nullptr);
//     return ChildFailure("execl returned", __LINE__);
//   });
//   ExpectForbidden(outcome, __NR_execve);
//
// Inside a child no GoogleTest assertion may run (it would report in the wrong process):
// CHILD_ASSERT writes what failed to fd 2 and ends the child with kChildCheckFailed, and the
// parent's EXPECT_CHILD_OK prints that output.
#pragma once

#include <errno.h>
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "infip/confine/child_process.h"
#include "infip/confine/forbidden_syscall.h"
#include "infip/confine/landlock.h"
#include "infip/confine/seccomp_filter.h"

namespace infip::confine::testing {

inline constexpr int kChildCheckFailed = 10;

// Writes "<file>:<line>: <what> (errno NAME)" to fd 2; returns kChildCheckFailed.
inline int ChildFailure(absl::string_view what, int line, int error = errno) {
  const std::string text = absl::StrCat("child check failed at line ", line, ": ", what, " (errno ",
                                        error != 0 ? ::strerrorname_np(error) : "0", ")\n");
  (void)!::write(STDERR_FILENO, text.data(), text.size());
  return kChildCheckFailed;
}

// Writes one line to the child's fd 2, for the parent to find.
inline void ChildSay(absl::string_view text) {
  const std::string line = absl::StrCat(text, "\n");
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

#define CHILD_ASSERT(cond)                                                        \
  do {                                                                            \
    if (!(cond)) return ::infip::confine::testing::ChildFailure(#cond, __LINE__); \
  } while (false)

#define CHILD_ASSERT_OK(expr)                                                    \
  do {                                                                           \
    const ::absl::Status child_status_ = (expr);                                 \
    if (!child_status_.ok()) {                                                   \
      return ::infip::confine::testing::ChildFailure(                            \
          ::absl::StrCat(#expr, " -> ", child_status_.ToString()), __LINE__, 0); \
    }                                                                            \
  } while (false)

// Runs `body` in a child; a failure to fork fails the calling test.
inline ChildOutcome Child(const std::function<int()>& body,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  absl::StatusOr<ChildOutcome> outcome = RunInChild(body, timeout);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return outcome.ok() ? *outcome : ChildOutcome{};
}

#define EXPECT_CHILD_OK(outcome)                                \
  EXPECT_TRUE((outcome).exited && (outcome).exit_code == 0)     \
      << "child: " << (outcome).Describe() << "\nits stderr:\n" \
      << (outcome).output

// The child died of the seccomp trap for `nr`, reported on its stderr as the reporter writes.
inline void ExpectForbidden(const ChildOutcome& outcome, int nr) {
  EXPECT_TRUE(outcome.exited) << outcome.Describe() << "\n" << outcome.output;
  EXPECT_EQ(outcome.exit_code, kForbiddenSyscallExit) << outcome.output;
  EXPECT_EQ(outcome.forbidden_syscall, std::optional<int>(nr))
      << "expected " << SyscallName(nr) << "; child: " << outcome.Describe() << "\n"
      << outcome.output;
  EXPECT_NE(outcome.output.find(std::string(kForbiddenSyscallPrefix) + std::to_string(nr) + "\n"),
            std::string::npos)
      << outcome.output;
}

// Only the seccomp layer (and its reporter), to measure the filter alone.
inline absl::Status ConfineWithSeccompOnly() {
  if (absl::Status s = InstallForbiddenSyscallReporter(); !s.ok()) return s;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return absl::InternalError("NNP");
  absl::StatusOr<SeccompFilter> filter = SeccompFilter::Create(::getpid());
  if (!filter.ok()) return filter.status();
  return filter->Load();
}

// A field of /proc/self/status in bytes ("VmSize", "VmData").
inline int64_t ProcStatusBytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (!line.starts_with(field + ":")) continue;
    std::string rest = line.substr(field.size() + 1);
    rest = rest.substr(0, rest.find("kB"));
    int64_t kib = 0;
    if (absl::SimpleAtoi(rest, &kib)) return kib * 1024;
  }
  return -1;
}

}  // namespace infip::confine::testing

// A layer this kernel lacks is skipped, with the reason, never passed.
#define SKIP_WITHOUT_LANDLOCK()                                                           \
  do {                                                                                    \
    const ::infip::confine::LandlockSupport support_ = ::infip::confine::ProbeLandlock(); \
    if (support_.abi == 0) {                                                              \
      GTEST_SKIP() << "Landlock is unavailable on this kernel (" << support_.why_not      \
                   << "), so this layer cannot be measured here";                         \
    }                                                                                     \
  } while (false)

// seccomp filters with SECCOMP_RET_TRAP, as the kernel reports them (SECCOMP_GET_ACTION_AVAIL).
#define SKIP_WITHOUT_SECCOMP()                                                           \
  do {                                                                                   \
    const uint32_t trap_ = SECCOMP_RET_TRAP;                                             \
    if (::syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &trap_) != 0) {              \
      GTEST_SKIP() << "seccomp filters with SECCOMP_RET_TRAP are unavailable here ("     \
                   << ::strerrorname_np(errno) << "), so this layer cannot be measured"; \
    }                                                                                    \
  } while (false)
