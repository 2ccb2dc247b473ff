// WorkerProcess: one started infip-worker, seen from the side that spawned it (the server's
// pool, or the CLI). It is spawned with nothing but its channel (fd 3), /dev/null for stdin
// and stdout, a pipe for stderr, an environment cut down to what LibTorch needs, and a fresh
// empty working directory of its own, which is removed when the process is reaped.
//
//   INFIP_ASSIGN_OR_RETURN(auto worker, WorkerProcess::Start(launch));
//   INFIP_RETURN_IF_ERROR(worker->AwaitHello(absl::Seconds(60)));
//   worker->channel().Send(...);
//   WorkerExit end = worker->Finish(absl::Seconds(1));   // Bye, then SIGKILL if need be
//
// Destroying a WorkerProcess kills and reaps it: no worker outlives its owner.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "infip/sandbox/channel.h"
#include "infip/sandbox/protocol.h"

namespace infip::sandbox {

struct WorkerLaunch {
  std::string binary;          // infip-worker
  std::string device = "cpu";  // passed as --device
  std::string scratch_parent;  // where working directories are made; empty: $TMPDIR or /tmp
  int64_t prefault_bytes = 0;  // heap the worker touches while idle (worker_job.h)
};

// How a worker ended.
struct WorkerExit {
  bool exited = false;  // by exit(); else by a signal
  int code = 0;         // exit code, when exited
  int signal = 0;       // the signal, when not exited
  double cpu_seconds = 0.0;
  int64_t max_rss_bytes = 0;
  [[nodiscard]] std::string Describe() const;  // "exit 0", "signal 9 (Killed)"
};

class WorkerProcess {
 public:
  // UNAVAILABLE naming the binary when it cannot be started.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WorkerProcess>> Start(
      const WorkerLaunch& launch);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Waits for the worker's Hello. UNAVAILABLE (with the worker's last stderr lines) when it
  // dies or does not say Hello in time, or speaks another protocol version; whatever `check`
  // (may be empty) returns, asked while waiting.
  [[nodiscard]] absl::Status AwaitHello(absl::Duration timeout,
                                        const std::function<absl::Status()>& check = nullptr);
  [[nodiscard]] const Hello& hello() const { return hello_; }

  [[nodiscard]] Channel& channel() { return channel_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

  // A Wait for channel().Receive that drains stderr (logged at debug, tail kept) and asks
  // `check` between poll rounds.
  [[nodiscard]] Wait MakeWait(std::function<absl::Status()> check);

  // The last few KiB the worker wrote to stderr.
  [[nodiscard]] std::string StderrTail() const { return stderr_tail_; }

  // Asks the worker to exit (Bye), without waiting.
  void SayBye();
  // Says Bye, waits up to `grace` for the worker to exit, kills it if it has not, and reaps
  // it. Idempotent: later calls return the same result.
  WorkerExit Finish(absl::Duration grace);
  // SIGKILL now, and reap.
  WorkerExit Kill();
  // Has it ended? Reaps it when it has (without waiting).
  [[nodiscard]] bool Ended();

 private:
  WorkerProcess(pid_t pid, UniqueFd channel, UniqueFd stderr_fd, std::string scratch);
  void OnStderr(std::string_view bytes);
  WorkerExit Reap(bool wait);

  pid_t pid_;
  Channel channel_;
  UniqueFd stderr_;
  std::string scratch_;  // the working directory, removed once reaped
  Hello hello_;
  std::string stderr_tail_;
  std::string stderr_line_;
  bool reaped_ = false;
  bool bye_sent_ = false;
  WorkerExit exit_;
};

// Where infip-worker is: $INFIP_WORKER_BINARY when set, else beside the running executable,
// else the build tree's (for binaries run from the build directory). NOT_FOUND naming the
// places tried.
[[nodiscard]] absl::StatusOr<std::string> FindWorkerBinary();

}  // namespace infip::sandbox
