#include "infip/fingerprint/header_text.h"

#include <charconv>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace infip::fingerprint::internal {
namespace {

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed .infip header: ", what));
}

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

std::string Escape(absl::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

absl::StatusOr<std::string> Unescape(absl::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\r') return Malformed("raw carriage return in a value");
    if (v[i] != '\\') {
      out += v[i];
      continue;
    }
    if (++i == v.size()) return Malformed("value ends in a lone backslash");
    switch (v[i]) {
      case '\\':
        out += '\\';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        return Malformed(absl::StrCat("unknown escape \\", std::string(1, v[i])));
    }
  }
  return out;
}

// from_chars for one whole token: no leading '+', no spaces, nothing left over.
template <typename T>
bool ParseNumber(absl::string_view s, T& out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

template <typename T>
std::string JoinNumbers(const std::vector<T>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    if constexpr (std::is_floating_point_v<T>) {
      out += FormatDouble(v[i]);
    } else {
      out += std::to_string(v[i]);
    }
  }
  return out;
}

template <typename T>
absl::StatusOr<std::vector<T>> SplitNumbers(absl::string_view key, absl::string_view value) {
  std::vector<T> out;
  if (value.empty()) return out;
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    T v;
    if (!ParseNumber(item, v)) {
      return Malformed(absl::StrCat("key '", key, "': '", item, "' is not a number"));
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace

std::string FormatDouble(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("nan");
}

std::string FormatList(const std::vector<int64_t>& v) { return JoinNumbers(v); }
std::string FormatList(const std::vector<double>& v) { return JoinNumbers(v); }

void HeaderWriter::Add(absl::string_view key, absl::string_view value) {
  absl::StrAppend(&text_, key, ": ", Escape(value), "\n");
}

absl::StatusOr<HeaderFields> HeaderFields::Parse(absl::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return Malformed("the header text must end with a newline");
  }
  text.remove_suffix(1);
  HeaderFields fields;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return Malformed(absl::StrCat("line ", line_no, " is not 'key: value'"));
    }
    const absl::string_view key = line.substr(0, colon);
    for (char c : key) {
      if (!IsKeyChar(c)) {
        return Malformed(absl::StrCat("line ", line_no, ": bad character in key '", key, "'"));
      }
    }
    absl::string_view raw = line.substr(colon + 1);
    if (!raw.empty()) {
      if (raw.front() != ' ') {
        return Malformed(absl::StrCat("line ", line_no, ": expected ': ' after '", key, "'"));
      }
      raw.remove_prefix(1);
    }
    absl::StatusOr<std::string> value = Unescape(raw);
    if (!value.ok()) return value.status();
    if (!fields.values_.emplace(std::string(key), *std::move(value)).second) {
      return Malformed(absl::StrCat("key '", key, "' appears twice"));
    }
  }
  return fields;
}

bool HeaderFields::Has(absl::string_view key) const { return values_.find(key) != values_.end(); }

absl::StatusOr<std::string> HeaderFields::String(absl::string_view key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return Malformed(absl::StrCat("missing key '", key, "'"));
  return it->second;
}

absl::StatusOr<double> HeaderFields::Double(absl::string_view key) const {
  absl::StatusOr<std::string> s = String(key);
  if (!s.ok()) return s.status();
  double v;
  if (!ParseNumber(*s, v)) {
    return Malformed(absl::StrCat("key '", key, "': '", *s, "' is not a number"));
  }
  return v;
}

absl::StatusOr<uint64_t> HeaderFields::Uint64(absl::string_view key) const {
  absl::StatusOr<std::string> s = String(key);
  if (!s.ok()) return s.status();
  uint64_t v;
  if (!ParseNumber(*s, v)) {
    return Malformed(absl::StrCat("key '", key, "': '", *s, "' is not an unsigned integer"));
  }
  return v;
}

absl::StatusOr<std::vector<int64_t>> HeaderFields::Int64List(absl::string_view key) const {
  absl::StatusOr<std::string> s = String(key);
  if (!s.ok()) return s.status();
  return SplitNumbers<int64_t>(key, *s);
}

absl::StatusOr<std::vector<double>> HeaderFields::DoubleList(absl::string_view key) const {
  absl::StatusOr<std::string> s = String(key);
  if (!s.ok()) return s.status();
  return SplitNumbers<double>(key, *s);
}

absl::StatusOr<std::vector<std::string>> HeaderFields::NameList(absl::string_view key) const {
  absl::StatusOr<std::string> s = String(key);
  if (!s.ok()) return s.status();
  std::vector<std::string> names;
  if (s->empty()) return names;
  for (absl::string_view name : absl::StrSplit(*s, ',')) {
    if (name.empty()) return Malformed(absl::StrCat("key '", key, "': empty name in list"));
    for (char c : name) {
      if (!IsKeyChar(c)) {
        return Malformed(absl::StrCat("key '", key, "': bad character in name '", name, "'"));
      }
    }
    names.emplace_back(name);
  }
  return names;
}

}  // namespace infip::fingerprint::internal
