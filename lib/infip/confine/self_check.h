// The self-check: does confinement hold on this machine, under this policy? Each probe forks a
// child, confines it with the policy, attempts one thing a hostile model would, and reports
// whether it was stopped and how. Operators run it as `infip-worker --self-check`; the tests
// assert each probe's exact outcome.
//
//   std::vector<ProbeResult> results = RunSelfCheck(policy);
//   std::cout << FormatSelfCheck(results);
//   // probe          verdict      how
//   // write-file     stopped      SIGSYS: forbidden syscall 257 (openat)
//   // read-outside   stopped      EACCES (Landlock)
//   // exec           stopped      SIGSYS: forbidden syscall 59 (execve)
//   // socket-unix    stopped      EACCES (seccomp)
//   // memory         stopped      ENOMEM after 1008 MiB (RLIMIT_AS)
//   // file-size      stopped      signal SIGXFSZ (RLIMIT_FSIZE)
//   // ...
//
// Probes: write-file, read-outside (a stand-in for the signing key, made by the parent in a
// temporary directory), exec (/bin/true), fork, socket-inet, socket-unix, connect (an AF_UNIX
// socket made before confinement, to a socket the parent listens on), ptrace (attach to the
// parent), kill-parent, memory (allocate and touch past memory_bytes), file-size (write to a
// file descriptor the parent opened for writing), cpu (spin past cpu_seconds), no-new-privs,
// fds-closed (a descriptor the parent opened and the policy does not keep). memory and cpu
// are skipped when the policy sets no such limit.
//
// Each child keeps fd 2 (a pipe to the parent) and the probe's own descriptors in addition to
// policy.keep_fds. Call from a single-threaded process. The cpu probe spins for cpu_seconds
// plus up to 1 s (the limit counts whole seconds) before SIGXCPU; the others take milliseconds.
#pragma once

#include <string>
#include <vector>

#include "infip/confine/policy.h"

namespace infip::confine {

struct ProbeResult {
  std::string name;
  // Confinement held: the attempt failed or was killed the way the policy intends (or, for
  // no-new-privs and fds-closed, the property holds).
  bool stopped = false;
  bool skipped = false;  // the policy sets no limit for this probe to test
  // "SIGSYS: forbidden syscall 59 (execve)", "EACCES (Landlock)", "signal SIGXCPU
  // (RLIMIT_CPU)", "exit 0: NOT STOPPED", "skipped: ...", "confinement failed: ...".
  std::string how;
};

[[nodiscard]] std::vector<ProbeResult> RunSelfCheck(const Policy& policy);

// A table, one probe a line, and a last line counting stopped, NOT STOPPED and skipped.
[[nodiscard]] std::string FormatSelfCheck(const std::vector<ProbeResult>& results);

}  // namespace infip::confine
