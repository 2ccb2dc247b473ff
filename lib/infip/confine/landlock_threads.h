// Restricting the threads that already exist, on kernels whose landlock_restrict_self(2)
// acts on the calling thread only (Landlock ABI < 8, i.e. before LANDLOCK_RESTRICT_SELF_TSYNC).
//
//   INFIP_ASSIGN_OR_RETURN(int restricted, RestrictOtherThreads(task_dir_fd, ruleset_fd));
//   // then the calling thread restricts itself
//
// The same idea as glibc's setxid broadcast: every other thread listed in /proc/self/task gets
// a real-time signal (SIGRTMAX, its previous disposition restored afterwards), and its handler
// runs PR_SET_NO_NEW_PRIVS and landlock_restrict_self on that thread (both are plain system
// calls, safe in a signal handler). The listing repeats until a pass finds no thread it has
// not restricted, so a thread started meanwhile by a thread not yet restricted is caught too;
// the calling thread must restrict itself only after this returns, as reading /proc/self/task
// is itself something the ruleset may forbid.
//
// A thread that blocks the signal, or sleeps uninterruptibly for the whole wait, cannot be
// restricted this way: that is FAILED_PRECONDITION, and the process must then not go on to
// touch untrusted input (confine before starting such a thread, or use a kernel with ABI 8).
#pragma once

#include "absl/status/statusor.h"

namespace infip::confine {

// Restricts every thread but the calling one with `ruleset_fd`; returns how many threads it
// restricted. `task_dir_fd` is an open descriptor of /proc/self/task.
[[nodiscard]] absl::StatusOr<int> RestrictOtherThreads(int task_dir_fd, int ruleset_fd);

}  // namespace infip::confine
