// The device check's findings: every number it measured, one line each, and the criteria that
// decide its exit status, summarised at the end.
//
//   Report report(std::cout);
//   report.Value("vgg_like.pt 1x32x32 dtd", "relative_diff", 3e-7);
//   report.Criterion("vgg_like.pt 1x32x32 dtd", "relative_diff <= 1e-4", 3e-7 <= 1e-4, "3e-07");
//   report.Summarise();   // how many held, and each one that failed
//   return report.AllPassed() ? 0 : 1;
//
// Value lines read "RESULT <subject> <name>=<value>" so that a log can be searched; criterion
// lines read "CHECK PASS|FAIL <subject>: <what> (<detail>)".
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace infip::devicecheck {

class Report {
 public:
  explicit Report(std::ostream& out) : out_(out) {}
  Report(const Report&) = delete;
  Report& operator=(const Report&) = delete;

  void Note(absl::string_view text);  // a free-form line, e.g. what was skipped and why
  void Value(absl::string_view subject, absl::string_view name, double value);
  void Value(absl::string_view subject, absl::string_view name, absl::string_view value);
  void Criterion(absl::string_view subject, absl::string_view what, bool passed,
                 absl::string_view detail);

  void Summarise();
  [[nodiscard]] bool AllPassed() const { return failed_ == 0; }
  [[nodiscard]] int criteria() const { return static_cast<int>(criteria_.size()); }

 private:
  std::ostream& out_;
  std::vector<std::string> criteria_;  // the CHECK lines, repeated by Summarise
  int failed_ = 0;
};

}  // namespace infip::devicecheck
