// Progress of one call to the server on stderr: the bytes of an upload as the client sends
// them, then the stages the server reports (fetching, queued, loading, keys explained,
// registrations compared, signing). Safe to feed from the writing and the reading thread of
// one call at once.
//
//   CallProgress progress(remote->show_progress());
//   SendBytes(npy, sink, [&](int64_t sent) { progress.Uploaded(sent, total); });
//   ... on each event: if (event.has_progress()) progress.Server(event.progress());
//   progress.Finish();
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/progress.h"
#include "infip/v1/infip.pb.h"

namespace infip::cli {

class CallProgress {
 public:
  // `force`: draw even when stderr is not a terminal.
  explicit CallProgress(bool force);

  void Uploaded(int64_t sent, int64_t total);
  void Server(const infip::v1::Progress& progress);
  // Erases the line; call before printing results.
  void Finish();

 private:
  absl::Mutex mu_;
  ProgressBar bar_ ABSL_GUARDED_BY(mu_);
  // Once the server reports a stage past receiving, the client's upload bar is done with.
  bool server_working_ ABSL_GUARDED_BY(mu_) = false;
};

// "12.3 MiB", "512 B": byte counts as people read them.
[[nodiscard]] std::string HumanBytes(int64_t bytes);

}  // namespace infip::cli
