#include "server/reload_signal.h"

#include <pthread.h>

#include <csignal>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace infip::server {

absl::StatusOr<std::unique_ptr<ReloadSignal>> ReloadSignal::Install() {
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  if (const int err = pthread_sigmask(SIG_BLOCK, &hup, nullptr); err != 0) {
    return absl::InternalError(absl::StrCat("pthread_sigmask: ", std::strerror(err)));
  }
  // The signal thread blocks everything, so that no signal meant for another watcher (or
  // for the default action) is ever delivered to it: block all around its creation.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  if (const int err = pthread_sigmask(SIG_BLOCK, &all, &previous); err != 0) {
    return absl::InternalError(absl::StrCat("pthread_sigmask: ", std::strerror(err)));
  }
  std::unique_ptr<ReloadSignal> reload(new ReloadSignal());
  reload->thread_ = std::thread([r = reload.get()] { r->Run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return reload;
}

ReloadSignal::~ReloadSignal() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ReloadSignal::SetHandler(std::function<void()> handler) {
  absl::MutexLock lock(&mu_);  // waits for a running handler: Run holds mu_ while it runs
  handler_ = std::move(handler);
}

void ReloadSignal::Run() {
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  // Polled, so that the destructor can stop the thread without sending it a signal.
  const timespec poll = {0, 200 * 1000 * 1000};
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    if (sigtimedwait(&hup, nullptr, &poll) != SIGHUP) continue;  // timeout or EINTR
    absl::MutexLock lock(&mu_);
    if (handler_) {
      handler_();
    } else {
      spdlog::info("SIGHUP before the server is up; nothing to reload");
    }
  }
}

}  // namespace infip::server
