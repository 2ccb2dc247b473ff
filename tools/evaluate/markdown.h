// Small Markdown helpers for the report: tables and the number formats every table shares.
//
//   MarkdownTable t({"model", "ASSIM"});
//   t.Add({"vgg16-ft-5ep", Fixed4(0.9731)});
//   out += t.Render();
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace infip::evaluate {

class MarkdownTable {
 public:
  explicit MarkdownTable(std::vector<std::string> header) : header_(std::move(header)) {}
  // Short rows are padded with empty cells.
  void Add(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  [[nodiscard]] bool empty() const { return rows_.empty(); }
  [[nodiscard]] std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

inline constexpr char kMissing[] = "–";

[[nodiscard]] std::string Fixed4(double v);                         // "0.9731", "–" for NaN
[[nodiscard]] std::string Fixed3(double v);                         // "0.973"
[[nodiscard]] std::string Percent(std::optional<double> fraction);  // 0.8509 -> "85.09 %"
[[nodiscard]] std::string PaperPercent(double percent);             // 85.09 -> "85.09 %"
[[nodiscard]] std::string Interval(double low, double high);        // "[0.9612, 0.9803]"
[[nodiscard]] std::string Code(const std::string& s);               // `s`

}  // namespace infip::evaluate
