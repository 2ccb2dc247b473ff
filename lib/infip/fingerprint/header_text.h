// The text header of an .infip file (internal to file_format.cc): "key: value\n" lines.
//
// absl::string_view throughout: this abseil build does not alias it to std::string_view, and
// the values go straight into absl::StrCat / absl::StrSplit.
//
// Values are single-line: backslash, newline and carriage return are escaped as \\, \n, \r.
// Lists are comma separated without spaces ("1,32,32"; empty list: empty value). Doubles are
// written in the shortest form that reads back to the same bits (std::to_chars), so lambda
// and the box survive a round trip exactly.
//
//   HeaderWriter w;  w.Add("lambda", FormatDouble(5000));  std::string text = w.text();
//   INFIP_ASSIGN_OR_RETURN(HeaderFields f, HeaderFields::Parse(text));
//   INFIP_ASSIGN_OR_RETURN(double lambda, f.Double("lambda"));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infip::fingerprint::internal {

[[nodiscard]] std::string FormatDouble(double v);
[[nodiscard]] std::string FormatList(const std::vector<int64_t>& v);
[[nodiscard]] std::string FormatList(const std::vector<double>& v);

class HeaderWriter {
 public:
  // `key` must be [a-z0-9_.]+ (the writer's own constants); `value` any bytes.
  void Add(absl::string_view key, absl::string_view value);
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// The parsed header: every key once. Getters give INVALID_ARGUMENT naming the key when it is
// missing or its value does not parse; keys nobody asks for (from newer writers) are ignored.
class HeaderFields {
 public:
  [[nodiscard]] static absl::StatusOr<HeaderFields> Parse(absl::string_view text);

  [[nodiscard]] bool Has(absl::string_view key) const;
  [[nodiscard]] absl::StatusOr<std::string> String(absl::string_view key) const;
  [[nodiscard]] absl::StatusOr<double> Double(absl::string_view key) const;
  [[nodiscard]] absl::StatusOr<uint64_t> Uint64(absl::string_view key) const;
  [[nodiscard]] absl::StatusOr<std::vector<int64_t>> Int64List(absl::string_view key) const;
  [[nodiscard]] absl::StatusOr<std::vector<double>> DoubleList(absl::string_view key) const;
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> NameList(absl::string_view key) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace infip::fingerprint::internal
