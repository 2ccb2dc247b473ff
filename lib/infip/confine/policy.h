// What a sandboxed worker may still do once it has confined itself (Policy), and what
// confinement actually did on this kernel (Report).
//
// A Policy is plain data; Apply (confinement.h) turns it into descriptors closed, rlimits,
// no_new_privs, Landlock rules and a seccomp filter on the calling process. The defaults suit a
// CPU worker that is handed its model as a descriptor and answers over a socket:
//
//   Policy policy;
//   policy.memory_bytes = int64_t{4} << 30;
//   policy.cpu_seconds = 600;
//   policy.keep_fds = {0, 1, 2, ipc_fd};    // nothing is kept implicitly, not even stderr
//   INFIP_ASSIGN_OR_RETURN(Report report, Apply(policy));
//   spdlog::info("worker confined: {}", report.Describe());
//
// Rlimits are only ever lowered: a limit above the process's current hard limit is applied as
// that hard limit (raising needs CAP_SYS_RESOURCE, and a worker should not hold it). The
// Report's `limits` says what was set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace infip::confine {

struct Policy {
  // 0: no limit. RLIMIT_AS by default; RLIMIT_DATA (private writable memory) when
  // memory_as_data, because CUDA reserves huge PROT_NONE ranges that RLIMIT_AS would count.
  int64_t memory_bytes = 0;
  bool memory_as_data = false;
  // 0: no limit. RLIMIT_CPU soft = CPU time already used (rounded up) + cpu_seconds, so the
  // worker gets SIGXCPU after cpu_seconds more; hard = soft + 2 (SIGKILL).
  int64_t cpu_seconds = 0;
  // RLIMIT_NOFILE. RLIMIT_FSIZE is always 0 (no regular file can grow) and RLIMIT_CORE 0.
  int64_t max_open_files = 64;
  // Landlock: the only paths readable (files, directories, and execute for libraries), all
  // read-only; absolute, and each must exist. Empty: DefaultReadablePaths().
  std::vector<std::string> readable_paths;
  // Every other descriptor is closed. stdin, stdout and stderr are NOT kept unless listed;
  // the SIGSYS report (forbidden_syscall.h) goes to fd 2, so keep 2 to see it. A kept
  // descriptor the worker writes to must be a pipe or a socket: with RLIMIT_FSIZE 0 the first
  // write to a regular file raises SIGXFSZ, which ends the worker. That includes fd 2, so give
  // the worker a pipe as stderr, not a log file.
  std::vector<int> keep_fds;
  // true: Apply fails with FAILED_PRECONDITION on a kernel without Landlock. false: it goes on
  // without, and Report::landlock_note says why.
  bool require_landlock = false;
};

struct Report {
  bool no_new_privs = false;  // PR_GET_NO_NEW_PRIVS read back as 1
  int landlock_abi = 0;       // 0: Landlock not applied
  std::string landlock_note;  // what Landlock covers here, or why it is off
  bool seccomp = false;       // the deny-list is loaded on every thread
  std::string limits;         // the rlimits as set, e.g. "RLIMIT_AS 1073741824, ..."

  // One line for logs: "no_new_privs; Landlock ABI 7 (...); seccomp deny-list; limits: ...".
  [[nodiscard]] std::string Describe() const;
};

// The directories and files the dynamic loader and LibTorch read at run time, as far as they
// exist here, canonical and without repeats: the system library directories
// (/usr/lib, /lib, /lib64, /usr/lib/x86_64-linux-gnu, /usr/local/lib, ...), /etc/ld.so.cache,
// the CPU topology that OpenMP and cpuinfo read (/sys/devices/system/cpu, /proc/cpuinfo),
// /dev/null and /dev/urandom, and the directory of every shared object mapped into this
// process when called (a LibTorch or CUDA outside /usr/lib, e.g. /opt/libtorch/lib). The main
// executable's own directory is not added: it may hold data that is not a library.
[[nodiscard]] std::vector<std::string> DefaultReadablePaths();

}  // namespace infip::confine
