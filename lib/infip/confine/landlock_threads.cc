#include "infip/confine/landlock_threads.h"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace infip::confine {
namespace {

constexpr std::chrono::seconds kWaitPerPass{5};
constexpr int kMaxPasses = 16;

// One thread's part in a pass. `state` is kPending until the thread's handler (or the waiting
// thread, for a thread that has exited) settles it.
constexpr int kPending = 0;
constexpr int kRestricted = 1;
constexpr int kGone = 2;  // any other value: -errno from the handler
struct Slot {
  std::atomic<pid_t> tid{0};
  std::atomic<int> state{kPending};
};

struct Pass {
  int ruleset_fd = -1;
  size_t count = 0;
  std::unique_ptr<Slot[]> slots;
};

// The pass in progress, read by the signal handler. Published before any signal is sent and
// withdrawn only once every slot is settled; the handler touches nothing after settling its
// slot, so a settled pass may be freed.
std::atomic<Pass*> current_pass{nullptr};

static_assert(std::atomic<Pass*>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

void OnRestrictSignal(int /*signal*/) {
  const int saved_errno = errno;
  Pass* pass = current_pass.load(std::memory_order_acquire);
  const pid_t self = ::gettid();
  for (size_t i = 0; pass != nullptr && i < pass->count; ++i) {
    Slot& slot = pass->slots[i];
    if (slot.tid.load(std::memory_order_relaxed) != self) continue;
    if (slot.state.load(std::memory_order_acquire) != kPending) break;
    int result = kRestricted;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::syscall(SYS_landlock_restrict_self, pass->ruleset_fd, 0) != 0) {
      result = -errno;
    }
    slot.state.store(result, std::memory_order_release);
    break;  // nothing of `pass` may be touched after the store
  }
  errno = saved_errno;
}

// The thread ids in /proc/self/task, read through a descriptor opened in advance.
absl::StatusOr<std::vector<pid_t>> ListThreads(int task_dir_fd) {
  if (::lseek(task_dir_fd, 0, SEEK_SET) != 0) {
    return absl::InternalError(absl::StrCat("rewind /proc/self/task: ", std::strerror(errno)));
  }
  std::vector<pid_t> tids;
  alignas(8) char buffer[4096];
  for (;;) {
    const ssize_t n = ::getdents64(task_dir_fd, buffer, sizeof buffer);
    if (n < 0) {
      return absl::InternalError(absl::StrCat("read /proc/self/task: ", std::strerror(errno)));
    }
    if (n == 0) return tids;
    for (ssize_t at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const dirent64*>(buffer + at);
      pid_t tid = 0;
      if (absl::SimpleAtoi(entry->d_name, &tid)) tids.push_back(tid);
      at += entry->d_reclen;
    }
  }
}

// Restores the signal's previous disposition when the broadcast is over. Left installed when a
// thread never answered: that thread still has the signal pending, and the previous
// disposition may be "terminate"; its pass stays published, so should it ever run the handler
// it restricts itself then.
class HandlerInstall {
 public:
  static absl::StatusOr<std::unique_ptr<HandlerInstall>> Create(int signal) {
    struct sigaction action {};
    action.sa_handler = OnRestrictSignal;
    action.sa_flags = SA_RESTART;
    sigfillset(&action.sa_mask);
    auto install = std::unique_ptr<HandlerInstall>(new HandlerInstall(signal));
    if (::sigaction(signal, &action, &install->previous_) != 0) {
      return absl::InternalError(absl::StrCat("sigaction: ", std::strerror(errno)));
    }
    return install;
  }
  ~HandlerInstall() {
    if (restore_) ::sigaction(signal_, &previous_, nullptr);
  }
  void KeepInstalled() { restore_ = false; }

 private:
  explicit HandlerInstall(int signal) : signal_(signal) {}
  int signal_;
  struct sigaction previous_ {};
  bool restore_ = true;
};

// Runs one pass over `tids`; returns how many were restricted.
absl::StatusOr<int> RunPass(const std::vector<pid_t>& tids, int ruleset_fd, int signal,
                            HandlerInstall& install) {
  auto pass = std::make_unique<Pass>();
  pass->ruleset_fd = ruleset_fd;
  pass->count = tids.size();
  pass->slots = std::make_unique<Slot[]>(tids.size());
  for (size_t i = 0; i < tids.size(); ++i) pass->slots[i].tid.store(tids[i]);
  current_pass.store(pass.get(), std::memory_order_release);

  const pid_t pid = ::getpid();
  for (size_t i = 0; i < tids.size(); ++i) {
    // ESRCH: the thread has exited since the listing. Anything else (EAGAIN: the queue of
    // real-time signals is full) leaves the thread unrestricted, which is an error.
    if (::tgkill(pid, tids[i], signal) != 0) {
      pass->slots[i].state.store(errno == ESRCH ? kGone : -errno);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + kWaitPerPass;
  for (;;) {
    size_t pending = 0;
    for (size_t i = 0; i < tids.size(); ++i) {
      Slot& slot = pass->slots[i];
      if (slot.state.load(std::memory_order_acquire) != kPending) continue;
      // A thread that exited after the signal was sent never answers; signal 0 tells.
      if (::tgkill(pid, tids[i], 0) != 0 && errno == ESRCH) {
        int expected = kPending;
        slot.state.compare_exchange_strong(expected, kGone);
        continue;
      }
      ++pending;
    }
    if (pending == 0) break;
    if (std::chrono::steady_clock::now() > deadline) {
      std::vector<pid_t> silent;
      for (size_t i = 0; i < tids.size(); ++i) {
        if (pass->slots[i].state.load(std::memory_order_acquire) == kPending) {
          silent.push_back(tids[i]);
        }
      }
      // The pass stays published and allocated, and the handler installed: a silent thread
      // may still run the handler later.
      install.KeepInstalled();
      (void)pass.release();
      return absl::FailedPreconditionError(absl::StrCat(
          "thread(s) ", absl::StrJoin(silent, ", "),
          " did not take the Landlock restriction within ", kWaitPerPass.count(), " s (signal ",
          signal,
          " blocked?); they would run unconfined: confine before starting them, or run on a "
          "kernel with Landlock ABI 8 (LANDLOCK_RESTRICT_SELF_TSYNC)"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  current_pass.store(nullptr, std::memory_order_release);

  int restricted = 0;
  for (size_t i = 0; i < tids.size(); ++i) {
    const int state = pass->slots[i].state.load(std::memory_order_acquire);
    if (state == kRestricted) ++restricted;
    if (state < 0) {
      return absl::InternalError(
          absl::StrCat("thread ", tids[i], " was not restricted: ", std::strerror(-state)));
    }
  }
  return restricted;
}

}  // namespace

absl::StatusOr<int> RestrictOtherThreads(int task_dir_fd, int ruleset_fd) {
  const int signal = SIGRTMAX;
  absl::StatusOr<std::unique_ptr<HandlerInstall>> install = HandlerInstall::Create(signal);
  if (!install.ok()) return install.status();

  const pid_t self = ::gettid();
  std::set<pid_t> done{self};
  int restricted = 0;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    absl::StatusOr<std::vector<pid_t>> listed = ListThreads(task_dir_fd);
    if (!listed.ok()) return listed.status();
    std::vector<pid_t> todo;
    for (const pid_t tid : *listed) {
      if (!done.contains(tid)) todo.push_back(tid);
    }
    if (todo.empty()) return restricted;
    absl::StatusOr<int> count = RunPass(todo, ruleset_fd, signal, **install);
    if (!count.ok()) return count.status();
    restricted += *count;
    done.insert(todo.begin(), todo.end());
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "threads kept appearing for ", kMaxPasses, " passes while restricting them with Landlock"));
}

}  // namespace infip::confine
