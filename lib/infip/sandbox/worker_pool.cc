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
  pool->reaper_ = std::thread([p = pool.get()] { p->Reap(); });
  return pool;
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (refill_.joinable()) refill_.join();
  if (reaper_.joinable()) reaper_.join();  // it reaps every retired worker before it ends
  absl::MutexLock lock(&mu_);
  idle_.clear();  // each is killed and reaped
}

void WorkerPool::Retire(std::unique_ptr<WorkerProcess> worker) {
  worker->SayBye();
  absl::MutexLock lock(&mu_);
  retired_.push_back(std::move(worker));
  if (in_use_ > 0) --in_use_;
}

bool WorkerPool::ReapWanted() const { return stopping_ || !retired_.empty(); }

void WorkerPool::Reap() {
  for (;;) {
    std::unique_ptr<WorkerProcess> worker;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WorkerPool::ReapWanted));
      if (retired_.empty()) return;  // stopping, and nothing left to reap
      worker = std::move(retired_.front());
      retired_.pop_front();
      ++reaping_;
    }
    const WorkerExit end = worker->Finish(absl::Seconds(2));
    spdlog::debug("sandboxed worker {} done ({}, {:.2f} s CPU, {} MiB peak)", worker->pid(),
                  end.Describe(), end.cpu_seconds, end.max_rss_bytes >> 20);
    worker.reset();
    absl::MutexLock lock(&mu_);
    --reaping_;
  }
}

int WorkerPool::retiring() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(retired_.size()) + reaping_;
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

bool WorkerPool::IdleOrNoneComing() const { return stopping_ || !idle_.empty() || starting_ == 0; }

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerPool::Acquire(
    const std::function<absl::Status()>& check) {
  for (;;) {
    std::unique_ptr<WorkerProcess> worker;
    {
      absl::MutexLock lock(&mu_);
      // A worker already starting is nearer than one started now.
      while (!mu_.AwaitWithTimeout(absl::Condition(this, &WorkerPool::IdleOrNoneComing),
                                   absl::Milliseconds(50))) {
        if (check) {
          mu_.Unlock();
          absl::Status go_on = check();
          mu_.Lock();
          INFIP_RETURN_IF_ERROR(go_on);
        }
      }
      if (idle_.empty()) {
        ++in_use_;
        break;
      }
      worker = std::move(idle_.front());
      idle_.pop_front();
      ++in_use_;
    }
    // An idle worker that died meanwhile (killed by an operator, say) is no use.
    if (!worker->Ended()) return worker;
    spdlog::warn("idle sandboxed worker {} had ended ({}); starting another", worker->pid(),
                 worker->Kill().Describe());
    absl::MutexLock lock(&mu_);
    --in_use_;
  }
  absl::StatusOr<std::unique_ptr<WorkerProcess>> fresh = StartOne(check);
  if (!fresh.ok()) {
    absl::MutexLock lock(&mu_);
    --in_use_;
  }
  return fresh;
}

// Replacements are started while a request slot is free, so that on a small machine a
// worker's start does not compete with the request it would serve next.
bool WorkerPool::RefillWanted() const {
  if (stopping_) return true;
  const int deficit = options_.idle - static_cast<int>(idle_.size()) - starting_;
  return deficit > 0 && in_use_ < std::max(options_.idle, 1);
}

void WorkerPool::Refill() {
  absl::Duration backoff = absl::Milliseconds(100);
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WorkerPool::RefillWanted));
      if (stopping_) return;
      ++starting_;
    }
    absl::StatusOr<std::unique_ptr<WorkerProcess>> worker = StartOne([this] {
      absl::MutexLock lock(&mu_);
      return stopping_ ? absl::CancelledError("the worker pool is stopping") : absl::OkStatus();
    });
    if (!worker.ok()) {
      absl::MutexLock lock(&mu_);
      --starting_;
      if (stopping_) return;
      spdlog::error("cannot start a sandboxed worker: {}; retrying in {}",
                    worker.status().ToString(), absl::FormatDuration(backoff));
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
      backoff = std::min(backoff * 2, absl::Seconds(30));
      continue;
    }
    backoff = absl::Milliseconds(100);
    absl::MutexLock lock(&mu_);
    --starting_;
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
