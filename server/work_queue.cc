#include "server/work_queue.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace infip::server {
namespace {

// How often a waiter looks at its caller's cancellation flag, which cannot wake it.
constexpr absl::Duration kPollInterval = absl::Milliseconds(100);

absl::Status Draining() {
  return absl::UnavailableError("the server is shutting down and takes no new work");
}

}  // namespace

absl::StatusOr<std::unique_ptr<WorkQueue>> WorkQueue::Create(int workers, int depth) {
  if (workers < 1) {
    return absl::InvalidArgumentError(absl::StrCat("workers must be >= 1, not ", workers));
  }
  if (depth < 0) {
    return absl::InvalidArgumentError(absl::StrCat("queue depth must be >= 0, not ", depth));
  }
  return std::unique_ptr<WorkQueue>(new WorkQueue(workers, depth));
}

WorkQueue::Slot& WorkQueue::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (queue_ != nullptr) queue_->Release();
    queue_ = other.queue_;
    other.queue_ = nullptr;
  }
  return *this;
}

WorkQueue::Slot::~Slot() {
  if (queue_ != nullptr) queue_->Release();
}

absl::Status WorkQueue::FullLocked() const {
  return absl::ResourceExhaustedError(
      absl::StrCat("the work queue is full (", line_.size(), " requests waiting for ", workers_,
                   workers_ == 1 ? " worker" : " workers", "); retry later"));
}

absl::Status WorkQueue::CheckRoom() const {
  absl::MutexLock lock(&mu_);
  if (closed_) return Draining();
  if (running_ >= workers_ && static_cast<int64_t>(line_.size()) >= depth_) return FullLocked();
  return absl::OkStatus();
}

absl::StatusOr<WorkQueue::Slot> WorkQueue::Acquire(const Wait& wait) {
  std::list<uint64_t>::iterator me;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return Draining();
    if (line_.empty() && running_ < workers_) {
      ++running_;
      PublishLocked();
      return Slot(this);
    }
    if (static_cast<int64_t>(line_.size()) >= depth_) return FullLocked();
    me = line_.insert(line_.end(), next_ticket_++);
    PublishLocked();
  }

  int64_t reported = 0;
  for (;;) {
    int64_t place = 0;
    absl::Status gave_up;
    {
      absl::MutexLock lock(&mu_);
      for (;;) {
        if (closed_) {
          gave_up = Draining();
          break;
        }
        if (line_.begin() == me && running_ < workers_) {
          line_.erase(me);
          ++running_;
          PublishLocked();
          // The next in line may now be first (and a worker may still be free).
          changed_.SignalAll();
          return Slot(this);
        }
        place = std::distance(line_.begin(), me) + 1;
        if (place != reported) break;  // tell the caller, outside the lock
        if (wait.cancelled && wait.cancelled()) {
          gave_up = absl::CancelledError("the request was cancelled while waiting for a worker");
          break;
        }
        const absl::Time now = absl::Now();
        if (now >= wait.deadline) {
          gave_up = absl::DeadlineExceededError(
              absl::StrCat("the deadline passed while waiting for a worker (place ", place,
                           " in line)"));
          break;
        }
        changed_.WaitWithTimeout(&mu_, std::min(kPollInterval, wait.deadline - now));
      }
      if (!gave_up.ok()) {
        line_.erase(me);
        PublishLocked();
        changed_.SignalAll();
        return gave_up;
      }
    }
    reported = place;
    if (wait.on_position) wait.on_position(place);
  }
}

void WorkQueue::Release() {
  absl::MutexLock lock(&mu_);
  --running_;
  PublishLocked();
  changed_.SignalAll();
}

void WorkQueue::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  changed_.SignalAll();
}

void WorkQueue::SetObserver(std::function<void(int64_t, int64_t)> observer) {
  absl::MutexLock lock(&mu_);
  observer_ = std::move(observer);
  PublishLocked();
}

void WorkQueue::PublishLocked() {
  if (observer_) observer_(static_cast<int64_t>(line_.size()), running_);
}

int64_t WorkQueue::waiting() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(line_.size());
}

int64_t WorkQueue::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

}  // namespace infip::server
