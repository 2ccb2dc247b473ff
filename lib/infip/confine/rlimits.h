// Resource limits: how much memory, CPU time and how many descriptors the worker may use, and
// that it can write no byte to any regular file (RLIMIT_FSIZE 0) nor leave a core dump.
//
//   INFIP_ASSIGN_OR_RETURN(std::string limits, ApplyResourceLimits(policy));
//   // "RLIMIT_AS 1073741824, RLIMIT_CPU soft 601 s hard 603 s, RLIMIT_NOFILE 64, ..."
//
// Limits apply to the whole process (every thread), and are only ever lowered: a request
// above the current hard limit is applied as that hard limit, because raising a hard limit
// needs CAP_SYS_RESOURCE. What happens at each limit:
//   RLIMIT_AS / RLIMIT_DATA  mmap and brk fail with ENOMEM (malloc returns null)
//   RLIMIT_CPU               SIGXCPU at the soft limit, SIGKILL at the hard one
//   RLIMIT_NOFILE            open, socket, pipe, dup fail with EMFILE
//   RLIMIT_FSIZE 0           writing to a regular file raises SIGXFSZ (EFBIG if it is ignored)
//   RLIMIT_CORE 0            a crash leaves no core file
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "infip/confine/policy.h"

namespace infip::confine {

// Sets the limits the policy asks for on the calling process and describes them as set.
// INVALID_ARGUMENT for a negative memory_bytes, cpu_seconds or max_open_files; INTERNAL when
// the kernel refuses a limit.
[[nodiscard]] absl::StatusOr<std::string> ApplyResourceLimits(const Policy& policy);

}  // namespace infip::confine
