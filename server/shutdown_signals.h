// ShutdownSignals: SIGTERM and SIGINT as an ordinary event, with no work in a signal handler.
// Install() blocks both signals in the calling thread — call it first in main, before any
// other thread exists, so that every thread inherits the mask — and starts one thread that
// takes them with sigtimedwait(). Wait() returns the first signal; a second one while the
// server drains ends the process at once (exit status 1), for an operator who will not wait.
//
//   INFIP_ASSIGN_OR_RETURN(auto signals, ShutdownSignals::Install());
//   ... start the server ...
//   const int signo = signals->Wait();   // e.g. SIGTERM from Kubernetes
//   server->Shutdown(grace);
#pragma once

#include <csignal>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace infip::server {

class ShutdownSignals {
 public:
  // INTERNAL naming the call when the signal mask cannot be set.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ShutdownSignals>> Install();
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // Blocks until SIGTERM or SIGINT arrives; returns its number.
  [[nodiscard]] int Wait();

 private:
  explicit ShutdownSignals(sigset_t set) : set_(set) {}
  void Run();

  const sigset_t set_;
  absl::Mutex mu_;
  int received_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace infip::server
