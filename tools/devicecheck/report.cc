#include "report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace infip::devicecheck {

void Report::Note(absl::string_view text) { out_ << text << std::endl; }

void Report::Value(absl::string_view subject, absl::string_view name, double value) {
  out_ << absl::StrFormat("RESULT %s %s=%.6g", subject, name, value) << std::endl;
}

void Report::Value(absl::string_view subject, absl::string_view name, absl::string_view value) {
  out_ << "RESULT " << subject << " " << name << "=" << value << std::endl;
}

void Report::Criterion(absl::string_view subject, absl::string_view what, bool passed,
                       absl::string_view detail) {
  std::string line =
      absl::StrCat("CHECK ", passed ? "PASS " : "FAIL ", subject, ": ", what, " (", detail, ")");
  out_ << line << std::endl;
  criteria_.push_back(std::move(line));
  if (!passed) ++failed_;
}

void Report::Summarise() {
  // Every criterion was printed as it was checked; the end of the log repeats only the failures.
  out_ << "\n==== summary: " << criteria_.size() - static_cast<size_t>(failed_) << " of "
       << criteria_.size() << " criteria held ====" << std::endl;
  for (const std::string& line : criteria_) {
    if (line.rfind("CHECK FAIL", 0) == 0) out_ << line << std::endl;
  }
}

}  // namespace infip::devicecheck
