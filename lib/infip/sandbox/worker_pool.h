// WorkerPool: started, idle infip-workers waiting for a job, so that a request does not wait
// for a process to start and LibTorch to initialise. Workers are never reused: Acquire hands
// one out for good; Retire takes it back to be reaped in the background, and a background
// thread starts another in its place while fewer requests are running than the pool holds
// (so that on a small machine a worker's start does not compete with a request).
//
//   INFIP_ASSIGN_OR_RETURN(auto pool, WorkerPool::Create({.launch = launch, .idle = 2}));
//   INFIP_ASSIGN_OR_RETURN(std::unique_ptr<WorkerProcess> w, pool->Acquire(check));
//
// Create starts one worker and waits for it, so that a missing or broken worker binary stops
// the server at start rather than at its first request; that worker waits for the first
// Acquire even when the pool keeps none idle (the CLI's case: one request, one worker).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "infip/sandbox/worker_process.h"

namespace infip::sandbox {

struct PoolOptions {
  WorkerLaunch launch;
  int idle = 1;  // workers kept ready; 0: each Acquire starts its own
  absl::Duration start_timeout = absl::Minutes(2);  // from spawn to Hello
};

class WorkerPool {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WorkerPool>> Create(PoolOptions options);
  ~WorkerPool();  // stops the refill thread; kills idle workers
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // A ready worker, idle or freshly started. `check` is asked while a fresh one starts
  // (cancellation); UNAVAILABLE when no worker can be started.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<WorkerProcess>> Acquire(
      const std::function<absl::Status()>& check);

  // Ends a worker that has served its request without making the caller wait for it: says
  // Bye now, and a background thread reaps it (or kills it after two seconds).
  void Retire(std::unique_ptr<WorkerProcess> worker);

  [[nodiscard]] int idle() const;
  [[nodiscard]] int retiring() const;     // retired workers not yet reaped
  [[nodiscard]] int64_t started() const;  // workers started since Create
  [[nodiscard]] const PoolOptions& options() const { return options_; }

 private:
  explicit WorkerPool(PoolOptions options) : options_(std::move(options)) {}
  [[nodiscard]] absl::StatusOr<std::unique_ptr<WorkerProcess>> StartOne(
      const std::function<absl::Status()>& check);
  void Refill();
  bool RefillWanted() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool IdleOrNoneComing() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void Reap();
  bool ReapWanted() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const PoolOptions options_;
  mutable absl::Mutex mu_;
  std::deque<std::unique_ptr<WorkerProcess>> idle_ ABSL_GUARDED_BY(mu_);
  std::deque<std::unique_ptr<WorkerProcess>> retired_ ABSL_GUARDED_BY(mu_);
  int reaping_ ABSL_GUARDED_BY(mu_) = 0;   // taken from retired_, not yet reaped
  int starting_ ABSL_GUARDED_BY(mu_) = 0;  // being started by the refill thread
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;    // acquired, not yet retired
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t started_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread refill_;
  std::thread reaper_;
};

}  // namespace infip::sandbox
