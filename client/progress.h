// A one-line progress bar on stderr, drawn only when stderr is a terminal (or when asked), so
// that logs and pipes receive nothing but the final summary.
//
//   ProgressBar bar("extract");
//   for (...) bar.Update(done, total);   // "extract [#######.......] 3/8"
//   bar.Finish();                        // erases the line
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace infip::cli {

class ProgressBar {
 public:
  // `force`: draw even when stderr is not a terminal (--progress).
  explicit ProgressBar(std::string label, bool force = false);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(int64_t done, int64_t total);
  // Draws "label [####......] text", or "label text" when the fraction is unknown (< 0).
  void Show(std::string_view label, double fraction, std::string_view text);
  // Clears the bar's line so that the next output starts on a clean line.
  void Finish();

  [[nodiscard]] bool enabled() const { return enabled_; }

 private:
  std::string label_;
  bool enabled_;
  // Whether the line on screen is ours; a bar redrawn on a terminal overwrites it in place.
  bool drawn_ = false;
  bool terminal_;
  // Off a terminal, a line is written only when the label, the tenth reached or (without a
  // fraction) the text changes, so that a log keeps a few lines rather than hundreds.
  std::string last_label_;
  std::string last_text_;
  int last_tenth_ = -1;
};

}  // namespace infip::cli
