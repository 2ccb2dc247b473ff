#include "server/shutdown_signals.h"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace infip::server {

absl::StatusOr<std::unique_ptr<ShutdownSignals>> ShutdownSignals::Install() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (const int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    return absl::InternalError(absl::StrCat("pthread_sigmask: ", std::strerror(err)));
  }
  std::unique_ptr<ShutdownSignals> signals(new ShutdownSignals(set));
  signals->thread_ = std::thread([s = signals.get()] { s->Run(); });
  return signals;
}

ShutdownSignals::~ShutdownSignals() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ShutdownSignals::Run() {
  // Polled, so that the destructor can stop the thread without sending it a signal.
  const timespec poll = {0, 200 * 1000 * 1000};
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    const int signo = sigtimedwait(&set_, nullptr, &poll);
    if (signo < 0) continue;  // EAGAIN (timeout) or EINTR
    absl::MutexLock lock(&mu_);
    if (received_ == 0) {
      received_ = signo;
      continue;
    }
    // A second signal during the drain: the operator wants out now.
    spdlog::warn("{} again while draining; exiting at once", strsignal(signo));
    spdlog::default_logger()->flush();
    std::_Exit(1);
  }
}

int ShutdownSignals::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* received) { return *received != 0; }, &received_));
  return received_;
}

}  // namespace infip::server
