// What it means when a sandboxed worker ends without the reply it owed: the status a caller
// gets, chosen from how the process ended and what it last wrote to stderr.
//
//   forbidden system call (the seccomp filter)   -> PERMISSION_DENIED, naming the call
//   SIGXFSZ (tried to grow a file)               -> PERMISSION_DENIED
//   CPU time limit (SIGXCPU, or killed past it)  -> RESOURCE_EXHAUSTED, naming the limit
//   an allocation failing under the memory limit -> RESOURCE_EXHAUSTED, naming the limit
//   could not confine itself                     -> INTERNAL (the host's problem, not the model's)
//   any other crash                              -> INVALID_ARGUMENT: the model crashed it
//   any other end                                -> INTERNAL
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "infip/sandbox/worker_process.h"

namespace infip::sandbox {

// The limits a worker ran under, for the messages.
struct WorkerLimits {
  int64_t memory_bytes = 0;
  absl::Duration cpu_time = absl::ZeroDuration();
};

// `doing`: the stage, as in "loading the model".
[[nodiscard]] absl::Status DescribeWorkerEnd(const WorkerExit& end, std::string_view doing,
                                             const WorkerLimits& limits,
                                             std::string_view stderr_tail, int64_t pid);

// "8.0 GiB", "512 MiB".
[[nodiscard]] std::string ByteText(int64_t bytes);

}  // namespace infip::sandbox
