// A one-line progress bar on stderr, drawn only when stderr is a terminal, so that logs and
// pipes receive nothing but the final summary.
#pragma once

#include <cstdint>
#include <string>

namespace infip::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(int64_t done, int64_t total);
  // Clears the bar's line so that the next output starts on a clean line.
  void Finish();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace infip::cli
