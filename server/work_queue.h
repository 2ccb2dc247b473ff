// WorkQueue: who may run an extraction now. A fixed number of workers run at once; up to
// `depth` more requests wait in line, first come first served; one request past that is
// refused at once with RESOURCE_EXHAUSTED, so the line never grows beyond what the operator
// configured and a burst cannot pile up work nobody will wait for.
//
// The request's own thread does the work once admitted (gRPC's sync server gives every call
// a thread), so progress is written to the call's stream from the thread that owns it. While
// it waits, the caller hears its place in line and may give up (cancelled, deadline).
//
//   INFIP_ASSIGN_OR_RETURN(auto queue, WorkQueue::Create(/*workers=*/1, /*depth=*/16));
//   WorkQueue::Wait wait{.cancelled = [&] { return context->IsCancelled(); },
//                        .deadline = deadline,
//                        .on_position = [&](int64_t place) { SendQueued(place); }};
//   INFIP_ASSIGN_OR_RETURN(WorkQueue::Slot slot, queue->Acquire(wait));
//   ... extract ...   // the slot frees its worker when it goes
//
// Close() starts draining: new and waiting requests get UNAVAILABLE; running ones finish.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace infip::server {

class WorkQueue {
 public:
  // INVALID_ARGUMENT for workers < 1 or depth < 0.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WorkQueue>> Create(int workers, int depth);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // A worker held; released when the Slot is destroyed. Move-only.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : queue_(other.queue_) { other.queue_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class WorkQueue;
    explicit Slot(WorkQueue* queue) : queue_(queue) {}
    WorkQueue* queue_;
  };

  struct Wait {
    std::function<bool()> cancelled;  // polled while waiting; may be empty
    absl::Time deadline = absl::InfiniteFuture();
    // Called on the waiting thread, without the queue's lock, whenever the caller's place in
    // line (1 = next) changes; never called for a caller admitted at once.
    std::function<void(int64_t place)> on_position;
  };

  // A worker at once when one is free and nobody waits; otherwise a place in line.
  // RESOURCE_EXHAUSTED when `depth` requests already wait; CANCELLED or DEADLINE_EXCEEDED
  // when the caller gives up in line; UNAVAILABLE after Close().
  [[nodiscard]] absl::StatusOr<Slot> Acquire(const Wait& wait);

  // RESOURCE_EXHAUSTED (as Acquire would say it) when the line is full right now, else OK:
  // lets a request be refused before its upload is received, not after. Advisory only; the
  // answer may be stale by the time the caller acts.
  [[nodiscard]] absl::Status CheckRoom() const;

  // Refuses new work and wakes every waiter with UNAVAILABLE. Running slots stay valid.
  void Close();

  // Told of every change of (waiting, running), under the queue's lock: keep it cheap.
  void SetObserver(std::function<void(int64_t waiting, int64_t running)> observer);

  [[nodiscard]] int64_t waiting() const;
  [[nodiscard]] int64_t running() const;
  [[nodiscard]] int workers() const { return workers_; }
  [[nodiscard]] int depth() const { return depth_; }

 private:
  WorkQueue(int workers, int depth) : workers_(workers), depth_(depth) {}
  void Release();
  void PublishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status FullLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int workers_;
  const int depth_;
  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  std::list<uint64_t> line_ ABSL_GUARDED_BY(mu_);  // waiting callers' tickets, oldest first
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t running_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void(int64_t, int64_t)> observer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infip::server
