// Reporting a forbidden system call. The seccomp filter answers one with SIGSYS (the call never
// runs); the reporter installed here turns that into one line on stderr and a fixed exit
// status, so the process that started the worker can say exactly what the model tried:
//
//   infip-worker: forbidden syscall 59\n        (on the worker's fd 2), then _exit(159)
//
//   // in the parent, after waitpid:
//   if (WIFEXITED(status) && WEXITSTATUS(status) == kForbiddenSyscallExit) {
//     if (std::optional<int> nr = ParseForbiddenSyscall(worker_stderr)) {
//       return absl::PermissionDeniedError(absl::StrCat("model tried ", SyscallName(*nr)));
//     }
//   }
//
// The handler is async-signal-safe (write and _exit only, the number formatted by hand). It
// exits the whole process, whichever thread made the call. Keep fd 2 in Policy::keep_fds, as a
// pipe, to get the line; the exit status comes back either way (measured: with fd 2 a regular
// file, RLIMIT_FSIZE 0 swallows the line, and the SIGXFSZ stays blocked until _exit).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace infip::confine {

// 128 + SIGSYS (31), as a shell would report a SIGSYS death.
inline constexpr int kForbiddenSyscallExit = 159;
inline constexpr std::string_view kForbiddenSyscallPrefix = "infip-worker: forbidden syscall ";

// Installs the SIGSYS handler for the whole process (sigaction, SA_SIGINFO). INTERNAL when
// sigaction fails.
[[nodiscard]] absl::Status InstallForbiddenSyscallReporter();

// The syscall number on the last complete report line in `stderr_text`; nullopt when there is
// none. Other output around it (log lines, a half-written line) is ignored.
[[nodiscard]] std::optional<int> ParseForbiddenSyscall(std::string_view stderr_text);

// The native architecture's name for `nr` ("execve"), or "syscall <nr>" when libseccomp
// does not know it.
[[nodiscard]] std::string SyscallName(int nr);

}  // namespace infip::confine
