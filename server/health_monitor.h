// HealthMonitor: keeps the gRPC health service (grpc.health.v1) truthful. The server starts
// NOT_SERVING; a background thread first makes sure the device computes (for a GPU, CUDA's
// start-up happens here, not in the first request), then asks the store for a Ping every
// `interval` and reports SERVING while it answers, NOT_SERVING while it does not. Drain()
// reports NOT_SERVING for good, for a load balancer to stop sending work before the server
// stops accepting it.
//
//   HealthMonitor monitor([&](bool serving) { health->SetServingStatus(serving); },
//                         {.device = ..., .store = [&] { return store->Ping(); }});
//   monitor.Start();
//   ...
//   monitor.Drain();
#pragma once

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace infip::server {

class HealthMonitor {
 public:
  struct Checks {
    std::function<absl::Status()> device;  // until it first succeeds
    std::function<absl::Status()> store;   // every interval
  };

  // `report` is called from the monitor's thread (and from Drain) whenever the status changes,
  // and once at Start with false.
  HealthMonitor(std::function<void(bool serving)> report, Checks checks,
                absl::Duration interval = absl::Seconds(5));
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  void Start();
  // Stops the thread and reports NOT_SERVING; later checks change nothing. Idempotent.
  void Drain();

  [[nodiscard]] bool serving() const;
  // Blocks until serving, or until `timeout` passes; returns serving().
  [[nodiscard]] bool WaitUntilServing(absl::Duration timeout) const;

 private:
  void Run();
  void Set(bool serving) ABSL_LOCKS_EXCLUDED(mu_);

  const std::function<void(bool)> report_;
  const Checks checks_;
  const absl::Duration interval_;
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex report_mu_;  // keeps reports in order; never held with mu_ waiting on it
  std::thread thread_;
};

}  // namespace infip::server
