// What infip-worker does, from its start to its exit (server/worker/main.cc only parses its
// arguments). One process, one job:
//
//   start      close every descriptor but stdin and stdout (/dev/null), stderr (a pipe) and
//              the channel (3), whatever the spawner left open; initialise LibTorch on the
//              device (CUDA opens its device files here, before any confinement); say Hello
//   Job        receive the model's descriptor and the limits; confine itself for good
//              (confine/confinement.h: rlimits, no-new-privs, Landlock, seccomp); read the
//              model's bytes from the descriptor; check the archive (io/model_archive.h);
//              load and canonicalise it (model/model.h); report Loaded
//   requests   CheckShape and Extract (audit/extraction.h's ExplainKeys), as often as asked
//   Bye / EOF  exit 0
//
// The worker never opens a path of the caller's: the model comes as a descriptor, keys and
// settings as messages, and it writes only to its channel and stderr. A forbidden system call
// ends it with exit code confine::kForbiddenSyscallExit and a line on stderr naming the call.
#pragma once

#include <string>

namespace infip::sandbox {

struct WorkerArgs {
  int channel_fd = 3;  // the socket to the caller
  std::string device = "cpu";
  // Heap memory touched and kept while the worker waits for its job: a fresh process's first
  // extraction otherwise spends much of its time faulting in pages that a long-running process
  // would reuse (hundreds of thousands for a ResNet-18 on 100 keys). 0: none.
  int64_t prefault_bytes = 0;
};

// Exit codes besides 0 and confine::kForbiddenSyscallExit.
inline constexpr int kWorkerBadArguments = 2;
inline constexpr int kWorkerChannelBroken = 3;
inline constexpr int kWorkerConfinementFailed = 4;

// Runs the worker; returns the process's exit code.
[[nodiscard]] int RunWorker(const WorkerArgs& args);

}  // namespace infip::sandbox
