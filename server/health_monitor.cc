#include "server/health_monitor.h"

#include <algorithm>

#include "spdlog/spdlog.h"

namespace infip::server {

HealthMonitor::HealthMonitor(std::function<void(bool)> report, Checks checks,
                             absl::Duration interval)
    : report_(std::move(report)), checks_(std::move(checks)), interval_(interval) {}

HealthMonitor::~HealthMonitor() { Drain(); }

void HealthMonitor::Start() {
  {
    absl::MutexLock lock(&report_mu_);
    report_(false);
  }
  thread_ = std::thread([this] { Run(); });
}

void HealthMonitor::Set(bool serving) {
  absl::MutexLock order(&report_mu_);
  {
    absl::MutexLock lock(&mu_);
    // After Drain nothing may turn the server SERVING again.
    if (stop_ || serving == serving_) return;
    serving_ = serving;
  }
  report_(serving);
}

void HealthMonitor::Run() {
  bool device_ready = false;
  // Not OK, so that the first answer, whatever it is, is logged.
  absl::Status last_problem = absl::UnknownError("starting");
  for (;;) {
    absl::Status status = absl::OkStatus();
    if (!device_ready && checks_.device) {
      status = checks_.device();
      device_ready = status.ok();
    }
    if (status.ok() && checks_.store) status = checks_.store();
    if (status.ok() != last_problem.ok() || status.message() != last_problem.message()) {
      if (status.ok()) {
        spdlog::info("health: SERVING");
      } else {
        spdlog::warn("health: NOT_SERVING: {}", status.ToString());
      }
    }
    last_problem = status;
    Set(status.ok());

    absl::MutexLock lock(&mu_);
    // A device that is not ready yet is retried sooner than the steady-state interval.
    const absl::Duration wait = device_ready ? interval_ : std::min(interval_, absl::Seconds(1));
    if (mu_.AwaitWithTimeout(absl::Condition(&stop_), wait)) return;
  }
}

void HealthMonitor::Drain() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock order(&report_mu_);
  bool was_serving;
  {
    absl::MutexLock lock(&mu_);
    was_serving = serving_;
    serving_ = false;
  }
  if (was_serving) report_(false);
}

bool HealthMonitor::serving() const {
  absl::MutexLock lock(&mu_);
  return serving_;
}

bool HealthMonitor::WaitUntilServing(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&serving_), timeout);
  return serving_;
}

}  // namespace infip::server
