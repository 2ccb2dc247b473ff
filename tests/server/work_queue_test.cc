// WorkQueue: workers admitted at once, a bounded FIFO line behind them, RESOURCE_EXHAUSTED
// past the line's depth (which never grows), and waiters that give up or are sent away.
#include "server/work_queue.h"

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"

namespace infip::server {
namespace {

std::unique_ptr<WorkQueue> MakeQueue(int workers, int depth) {
  auto q = WorkQueue::Create(workers, depth);
  EXPECT_TRUE(q.ok()) << q.status();
  return q.ok() ? *std::move(q) : nullptr;
}

// Waits (without any timing assertion) until the queue has `n` waiters.
void AwaitWaiting(const WorkQueue& q, int64_t n) {
  while (q.waiting() != n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TEST(WorkQueueTest, RejectsUnusableSizes) {
  EXPECT_EQ(WorkQueue::Create(0, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WorkQueue::Create(1, -1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(WorkQueueTest, FreeWorkersAdmitAtOnceWithoutQueuedReports) {
  auto q = MakeQueue(2, 0);
  int reports = 0;
  WorkQueue::Wait wait;
  wait.on_position = [&](int64_t) { ++reports; };
  absl::StatusOr<WorkQueue::Slot> a = q->Acquire(wait);
  absl::StatusOr<WorkQueue::Slot> b = q->Acquire(wait);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(q->running(), 2);
  EXPECT_EQ(reports, 0);
  { WorkQueue::Slot moved = std::move(*a); }  // released with its last owner
  EXPECT_EQ(q->running(), 1);
}

TEST(WorkQueueTest, FullLineIsResourceExhaustedAndNeverGrows) {
  auto q = MakeQueue(1, 2);
  absl::StatusOr<WorkQueue::Slot> held = q->Acquire({});
  ASSERT_TRUE(held.ok());
  std::vector<std::thread> waiters;
  std::atomic<int> admitted{0};
  for (int i = 0; i < 2; ++i) {
    waiters.emplace_back([&] {
      absl::StatusOr<WorkQueue::Slot> s = q->Acquire({});
      EXPECT_TRUE(s.ok()) << s.status();
      ++admitted;
    });
  }
  AwaitWaiting(*q, 2);
  // Two wait, one runs: everyone else is refused at once, however many try.
  EXPECT_EQ(q->CheckRoom().code(), absl::StatusCode::kResourceExhausted);
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<WorkQueue::Slot> refused = q->Acquire({});
    ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_NE(refused.status().message().find("2 requests waiting for 1 worker"),
              std::string::npos)
        << refused.status();
    EXPECT_EQ(q->waiting(), 2);
  }
  held = absl::CancelledError("done");  // releases the worker
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(admitted, 2);
  EXPECT_EQ(q->waiting(), 0);
  EXPECT_EQ(q->running(), 0);
  EXPECT_TRUE(q->CheckRoom().ok());
}

TEST(WorkQueueTest, DepthZeroRefusesAnyWait) {
  auto q = MakeQueue(1, 0);
  EXPECT_TRUE(q->CheckRoom().ok());
  absl::StatusOr<WorkQueue::Slot> held = q->Acquire({});
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(q->CheckRoom().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(q->Acquire({}).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(WorkQueueTest, ConcurrentBurstNeverExceedsWorkersPlusDepth) {
  constexpr int kWorkers = 2, kDepth = 3, kCallers = 24;
  auto q = MakeQueue(kWorkers, kDepth);
  std::atomic<int> running{0}, max_running{0}, ok{0}, refused{0};
  std::atomic<int64_t> max_waiting{0};
  q->SetObserver([&](int64_t waiting, int64_t) {
    int64_t seen = max_waiting.load();
    while (waiting > seen && !max_waiting.compare_exchange_weak(seen, waiting)) {
    }
  });
  absl::Notification go;
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      go.WaitForNotification();
      absl::StatusOr<WorkQueue::Slot> s = q->Acquire({});
      if (!s.ok()) {
        EXPECT_EQ(s.status().code(), absl::StatusCode::kResourceExhausted);
        ++refused;
        return;
      }
      const int now = ++running;
      int seen = max_running.load();
      while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      --running;
      ++ok;
    });
  }
  go.Notify();
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(ok + refused, kCallers);
  EXPECT_GE(ok, kWorkers);
  EXPECT_LE(max_running, kWorkers);
  EXPECT_LE(max_waiting, kDepth);
}

TEST(WorkQueueTest, FirstComeFirstServedWithPlaceReports) {
  auto q = MakeQueue(1, 3);
  std::optional<absl::StatusOr<WorkQueue::Slot>> held = q->Acquire({});
  ASSERT_TRUE(held->ok());
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::vector<int64_t>> places(3);
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&, i] {
      WorkQueue::Wait wait;
      wait.on_position = [&, i](int64_t place) { places[i].push_back(place); };
      absl::StatusOr<WorkQueue::Slot> s = q->Acquire(wait);
      ASSERT_TRUE(s.ok()) << s.status();
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
    });
    AwaitWaiting(*q, i + 1);  // enter the line in a known order
  }
  held.reset();
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  // Each was told its place on entry, and every time it moved up.
  EXPECT_EQ(places[0], (std::vector<int64_t>{1}));
  EXPECT_EQ(places[1].front(), 2);
  EXPECT_EQ(places[2].front(), 3);
  for (const auto& p : places) {
    for (size_t k = 1; k < p.size(); ++k) EXPECT_EQ(p[k], p[k - 1] - 1);
  }
}

TEST(WorkQueueTest, WaiterGivesUpOnCancellationAndDeadline) {
  auto q = MakeQueue(1, 2);
  absl::StatusOr<WorkQueue::Slot> held = q->Acquire({});
  ASSERT_TRUE(held.ok());

  std::atomic<bool> cancel{false};
  std::thread cancelled([&] {
    WorkQueue::Wait wait;
    wait.cancelled = [&] { return cancel.load(); };
    EXPECT_EQ(q->Acquire(wait).status().code(), absl::StatusCode::kCancelled);
  });
  AwaitWaiting(*q, 1);
  cancel = true;
  cancelled.join();
  EXPECT_EQ(q->waiting(), 0);

  WorkQueue::Wait late;
  late.deadline = absl::Now() + absl::Milliseconds(50);
  absl::StatusOr<WorkQueue::Slot> expired = q->Acquire(late);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(expired.status().message().find("waiting for a worker"), std::string::npos);
  EXPECT_EQ(q->waiting(), 0);
  EXPECT_EQ(q->running(), 1);
}

TEST(WorkQueueTest, LeavingTheLineLetsTheNextMoveUp) {
  auto q = MakeQueue(1, 2);
  std::optional<absl::StatusOr<WorkQueue::Slot>> held = q->Acquire({});
  std::atomic<bool> cancel_first{false};
  std::vector<int64_t> second_places;
  std::atomic<int> second_reports{0};
  std::thread first([&] {
    WorkQueue::Wait wait;
    wait.cancelled = [&] { return cancel_first.load(); };
    EXPECT_EQ(q->Acquire(wait).status().code(), absl::StatusCode::kCancelled);
  });
  AwaitWaiting(*q, 1);
  absl::Notification second_admitted;
  std::thread second([&] {
    WorkQueue::Wait wait;
    wait.on_position = [&](int64_t place) {
      second_places.push_back(place);
      ++second_reports;
    };
    absl::StatusOr<WorkQueue::Slot> s = q->Acquire(wait);
    EXPECT_TRUE(s.ok());
    second_admitted.Notify();
  });
  AwaitWaiting(*q, 2);
  cancel_first = true;
  first.join();
  // The second hears that it moved up before the worker frees.
  while (second_reports < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  held.reset();
  second.join();
  EXPECT_TRUE(second_admitted.HasBeenNotified());
  EXPECT_EQ(second_places, (std::vector<int64_t>{2, 1}));
}

TEST(WorkQueueTest, CloseSendsWaitersAndNewcomersAway) {
  auto q = MakeQueue(1, 4);
  absl::StatusOr<WorkQueue::Slot> held = q->Acquire({});
  ASSERT_TRUE(held.ok());
  std::thread waiter([&] {
    EXPECT_EQ(q->Acquire({}).status().code(), absl::StatusCode::kUnavailable);
  });
  AwaitWaiting(*q, 1);
  q->Close();
  waiter.join();
  EXPECT_EQ(q->Acquire({}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(q->CheckRoom().code(), absl::StatusCode::kUnavailable);
  // The running slot stays valid and is released normally.
  EXPECT_EQ(q->running(), 1);
  held = absl::CancelledError("done");
  EXPECT_EQ(q->running(), 0);
}

TEST(WorkQueueTest, ObserverSeesEveryChange) {
  auto q = MakeQueue(1, 1);
  std::vector<std::pair<int64_t, int64_t>> seen;
  std::mutex mu;
  q->SetObserver([&](int64_t waiting, int64_t running) {
    std::lock_guard<std::mutex> lock(mu);
    seen.emplace_back(waiting, running);
  });
  {
    absl::StatusOr<WorkQueue::Slot> held = q->Acquire({});
    std::thread waiter([&] { EXPECT_TRUE(q->Acquire({}).ok()); });
    AwaitWaiting(*q, 1);
    held = absl::CancelledError("done");
    waiter.join();
  }
  std::lock_guard<std::mutex> lock(mu);
  const std::vector<std::pair<int64_t, int64_t>> expected = {
      {0, 0},  // at SetObserver
      {0, 1},  // first admitted
      {1, 1},  // second waits
      {1, 0},  // first done
      {0, 1},  // second admitted
      {0, 0}};  // second done
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace infip::server
