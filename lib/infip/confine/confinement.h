// Confinement: what a sandboxed worker does to itself, once, before it touches an untrusted
// TorchScript model. A hostile archive may run arbitrary code in the worker (TorchScript is a
// program, and LibTorch 1.13's loader has public memory-safety bugs), so these layers, not the
// loader, are what keeps it from the server, the network, the files and other processes.
//
//   // worker main, after the IPC socket is set up and before the model is read:
//   Policy policy;
//   policy.memory_bytes = int64_t{4} << 30;
//   policy.cpu_seconds = 600;
//   policy.keep_fds = {STDERR_FILENO, ipc_fd};
//   absl::StatusOr<Report> report = Apply(policy);
//   if (!report.ok()) { ...; _exit(1); }   // never go on unconfined, or half-confined
//   spdlog::info("confined: {}", report->Describe());
//
// Apply runs these steps, in this order, on the calling process; none can be undone:
//   1. prepare: the Landlock ruleset and the seccomp filter are built while descriptors and
//      memory are still unlimited (nothing is enforced yet)
//   2. close every descriptor not in keep_fds                      descriptors.h
//   3. rlimits: memory, CPU, descriptors; file size 0, no core     rlimits.h
//   4. PR_SET_NO_NEW_PRIVS (on this thread; seccomp's TSYNC extends it to all)
//   5. Landlock: read-only beneath readable_paths, on every thread  landlock.h
//   6. the SIGSYS reporter, then the seccomp deny-list with TSYNC   forbidden_syscall.h,
//                                                                  seccomp_filter.h
// Threads: Apply may be called from a process whose LibTorch/OpenMP pools already run. The
// rlimits and the descriptor table are per process anyway; seccomp is synchronised onto every
// thread by the kernel (TSYNC); Landlock's landlock_restrict_self acts on the calling thread
// only (up to ABI 7), so Apply has every other thread restrict itself first
// (landlock_threads.h), or uses LANDLOCK_RESTRICT_SELF_TSYNC on ABI 8.
//
// An error leaves the process partly confined; the only safe reaction is to exit.
#pragma once

#include "absl/status/statusor.h"
#include "infip/confine/policy.h"

namespace infip::confine {

// Confines the calling process as `policy` says and reports what took effect.
//   INVALID_ARGUMENT    a negative limit or descriptor, a relative readable path
//   NOT_FOUND           a readable path that does not exist
//   FAILED_PRECONDITION require_landlock on a kernel without Landlock; a thread that could not
//                       be restricted; a kernel without seccomp filters
//   INTERNAL            the kernel refused a step
[[nodiscard]] absl::StatusOr<Report> Apply(const Policy& policy);

}  // namespace infip::confine
