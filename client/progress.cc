#include "client/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace infip::cli {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t done, int64_t total) {
  if (!enabled_ || total <= 0) return;
  constexpr int kWidth = 30;
  const int64_t clamped = std::clamp<int64_t>(done, 0, total);
  const int filled = static_cast<int>(kWidth * clamped / total);
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '.');
  std::fprintf(stderr, "\r%s [%s] %lld/%lld", label_.c_str(), bar.c_str(),
               static_cast<long long>(clamped), static_cast<long long>(total));
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);  // erase the bar's line
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace infip::cli
