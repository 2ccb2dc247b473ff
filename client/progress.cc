#include "client/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace infip::cli {

ProgressBar::ProgressBar(std::string label, bool force)
    : label_(std::move(label)),
      enabled_(force || isatty(STDERR_FILENO) == 1),
      terminal_(isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t done, int64_t total) {
  if (!enabled_ || total <= 0) return;
  const int64_t clamped = std::clamp<int64_t>(done, 0, total);
  Show(label_, static_cast<double>(clamped) / static_cast<double>(total),
       std::to_string(clamped) + "/" + std::to_string(total));
}

void ProgressBar::Show(std::string_view label, double fraction, std::string_view text) {
  if (!enabled_) return;
  std::string line(label);
  if (fraction >= 0) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * std::clamp(fraction, 0.0, 1.0));
    line += " [";
    line.append(filled, '#');
    line.append(kWidth - filled, '.');
    line += "]";
  }
  if (!text.empty()) {
    line += " ";
    line += text;
  }
  if (terminal_) {
    // Redraw in place; \033[K erases what a longer previous line left behind.
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
  } else {
    const int tenth = fraction >= 0 ? static_cast<int>(10 * std::clamp(fraction, 0.0, 1.0)) : -1;
    const bool news =
        label != last_label_ || tenth != last_tenth_ || (fraction < 0 && text != last_text_);
    if (!news) return;
    last_label_ = std::string(label);
    last_text_ = std::string(text);
    last_tenth_ = tenth;
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
  drawn_ = terminal_;
}

void ProgressBar::Finish() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);  // erase the bar's line
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace infip::cli
