#include "infip/sandbox/worker_pool.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "infip/common/status_macros.h"
#include "spdlog/spdlog.h"

namespace infip::sandbox {

absl::StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::Create(PoolOptions options) {
  if (options.idle < 0) return absl::InvalidArgumentError("a negative worker pool size");
  std::unique_ptr<WorkerPool> pool(new WorkerPool(std::move(options)));
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<WorkerProcess> first, pool->StartOne(nullptr));
  spdlog::info("sandboxed worker {} ready (pid {}, {}); pool of {} idle",
               pool->options_.launch.binary, first->pid(), first->hello().device,
               pool->options_.idle);
  {
    // Kept even with idle 0: the first Acquire takes it instead of starting another.
    absl::MutexLock lock(&pool->mu_);
    pool->idle_.push_back(std::move(first));
  }
  pool->refill_ = std::thread([p = pool.get()] { p->Refill(); });
  return pool;
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (refill_.joinable()) refill_.join();
  absl::MutexLock lock(&mu_);
  idle_.clear();  // each is killed and reaped
}

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerPool::StartOne(
    const std::function<absl::Status()>& check) {
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<WorkerProcess> worker,
                         WorkerProcess::Start(options_.launch));
  {
    absl::MutexLock lock(&mu_);
    ++started_;
  }
  INFIP_RETURN_IF_ERROR(worker->AwaitHello(options_.start_timeout, check));
  return worker;
}

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerPool::Acquire(
    const std::function<absl::Status()>& check) {
  for (;;) {
    std::unique_ptr<WorkerProcess> worker;
    {
      absl::MutexLock lock(&mu_);
      if (idle_.empty()) break;
      worker = std::move(idle_.front());
      idle_.pop_front();
    }
    // An idle worker that died meanwhile (killed by an operator, say) is no use.
    if (!worker->Ended()) return worker;
    spdlog::warn("idle sandboxed worker {} had ended ({}); starting another", worker->pid(),
                 worker->Kill().Describe());
  }
  return StartOne(check);
}

bool WorkerPool::RefillWanted() const {
  return stopping_ || static_cast<int>(idle_.size()) < options_.idle;
}

void WorkerPool::Refill() {
  absl::Duration backoff = absl::Milliseconds(100);
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WorkerPool::RefillWanted));
      if (stopping_) return;
    }
    absl::StatusOr<std::unique_ptr<WorkerProcess>> worker = StartOne([this] {
      absl::MutexLock lock(&mu_);
      return stopping_ ? absl::CancelledError("the worker pool is stopping") : absl::OkStatus();
    });
    if (absl::IsCancelled(worker.status())) return;
    if (!worker.ok()) {
      spdlog::error("cannot start a sandboxed worker: {}; retrying in {}",
                    worker.status().ToString(), absl::FormatDuration(backoff));
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
      backoff = std::min(backoff * 2, absl::Seconds(30));
      continue;
    }
    backoff = absl::Milliseconds(100);
    absl::MutexLock lock(&mu_);
    idle_.push_back(*std::move(worker));
  }
}

int WorkerPool::idle() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(idle_.size());
}

int64_t WorkerPool::started() const {
  absl::MutexLock lock(&mu_);
  return started_;
}

}  // namespace infip::sandbox
