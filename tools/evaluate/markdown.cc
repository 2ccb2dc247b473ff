#include "tools/evaluate/markdown.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace infip::evaluate {

std::string MarkdownTable::Render() const {
  // A '|' inside a cell would end it early.
  const auto cell = [](const std::string& s) { return absl::StrReplaceAll(s, {{"|", "\\|"}}); };
  std::string out = "|";
  for (const std::string& h : header_) absl::StrAppend(&out, " ", cell(h), " |");
  out += "\n|";
  for (size_t i = 0; i < header_.size(); ++i) out += "---|";
  out += "\n";
  for (const std::vector<std::string>& row : rows_) {
    out += "|";
    for (size_t i = 0; i < header_.size(); ++i) {
      absl::StrAppend(&out, " ", i < row.size() ? cell(row[i]) : std::string(), " |");
    }
    out += "\n";
  }
  return out;
}

std::string Fixed4(double v) { return std::isfinite(v) ? absl::StrFormat("%.4f", v) : kMissing; }

std::string Fixed3(double v) { return std::isfinite(v) ? absl::StrFormat("%.3f", v) : kMissing; }

std::string Percent(std::optional<double> fraction) {
  if (!fraction.has_value() || !std::isfinite(*fraction)) return kMissing;
  return absl::StrFormat("%.2f %%", 100.0 * *fraction);
}

std::string PaperPercent(double percent) {
  return std::isfinite(percent) ? absl::StrFormat("%.2f %%", percent) : kMissing;
}

std::string Interval(double low, double high) {
  if (!std::isfinite(low) || !std::isfinite(high)) return kMissing;
  return absl::StrFormat("[%.4f, %.4f]", low, high);
}

std::string Code(const std::string& s) { return absl::StrCat("`", s, "`"); }

}  // namespace infip::evaluate
