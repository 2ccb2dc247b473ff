// ReloadSignal: SIGHUP as an ordinary event, for re-reading the access file
// (InfipServer::ReloadAccess). Install() blocks SIGHUP in the calling thread and starts one
// thread that takes it with sigtimedwait() and runs the handler set by SetHandler; SIGHUP
// before a handler is set is logged and dropped, never the default action (which ends the
// process). Call Install() first in main, before any other thread exists — before
// ShutdownSignals::Install() too — so that every later thread inherits the blocked SIGHUP; its
// own thread starts with every signal blocked.
//
//   INFIP_ASSIGN_OR_RETURN(auto reload, ReloadSignal::Install());
//   INFIP_ASSIGN_OR_RETURN(auto signals, ShutdownSignals::Install());
//   ... start the server ...
//   reload->SetHandler([&] { (void)server->ReloadAccess(); });
//   ...
//   reload->SetHandler(nullptr);  // before the server goes
#pragma once

#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace infip::server {

class ReloadSignal {
 public:
  // INTERNAL naming the call when the signal mask cannot be set.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ReloadSignal>> Install();
  ~ReloadSignal();
  ReloadSignal(const ReloadSignal&) = delete;
  ReloadSignal& operator=(const ReloadSignal&) = delete;

  // What each SIGHUP runs, on the signal thread; null: nothing. Returns once no call of the
  // previous handler is running, so that what it refers to may go.
  void SetHandler(std::function<void()> handler);

 private:
  ReloadSignal() = default;
  void Run();

  absl::Mutex mu_;
  std::function<void()> handler_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace infip::server
