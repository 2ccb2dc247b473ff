#include "infip/io/preprocessing.h"

#include <charconv>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace infip::io {
namespace {

// Shortest text that reads back as the same double, so that a description is both stable
// and exact ("0.485", not "0.48499999999999999" or a 6-digit rounding).
std::string ShortestDouble(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string ValuesOr(const std::vector<double>& values, std::string_view fallback) {
  if (values.empty()) return std::string(fallback);
  return absl::StrJoin(values, ",",
                       [](std::string* out, double v) { out->append(ShortestDouble(v)); });
}

}  // namespace

std::string_view ColorModeName(ColorMode mode) {
  switch (mode) {
    case ColorMode::kKeep:
      return "keep";
    case ColorMode::kGray:
      return "gray";
    case ColorMode::kRgb:
      return "rgb";
  }
  return "unknown";
}

absl::StatusOr<ColorMode> ParseColorMode(std::string_view name) {
  for (ColorMode mode : {ColorMode::kKeep, ColorMode::kGray, ColorMode::kRgb}) {
    if (name == ColorModeName(mode)) return mode;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown color mode '", std::string(name), "'; expected keep, gray or rgb"));
}

std::string Preprocessing::Describe() const {
  std::string out = "resize=";
  if (resize_height.has_value() || resize_width.has_value()) {
    absl::StrAppend(&out, resize_height.value_or(0), "x", resize_width.value_or(0));
  } else {
    out += "none";
  }
  absl::StrAppend(&out, " color=", std::string(ColorModeName(color)), " mean=", ValuesOr(mean, "0"),
                  " std=", ValuesOr(std, "1"));
  if (!low.empty() || !high.empty()) {
    absl::StrAppend(&out, " low=", ValuesOr(low, "0"), " high=", ValuesOr(high, "1"));
  }
  return out;
}

absl::StatusOr<std::vector<double>> PerChannel(const std::vector<double>& values, int channels,
                                               double fallback, const char* what) {
  if (channels < 1) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": channel count ", channels));
  }
  for (double v : values) {
    if (!std::isfinite(v)) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": value ", v, " is not finite"));
    }
  }
  if (values.empty()) return std::vector<double>(channels, fallback);
  if (values.size() == 1) return std::vector<double>(channels, values[0]);
  if (values.size() == static_cast<size_t>(channels)) return values;
  return absl::InvalidArgumentError(absl::StrCat(
      what, " has ", values.size(), " values; expected 1 or ", channels, " (one per channel)"));
}

absl::StatusOr<std::vector<double>> ParseValueList(const std::string& text) {
  std::vector<double> values;
  if (absl::StripAsciiWhitespace(text).empty()) return values;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    double v = 0;
    if (item.empty() || !absl::SimpleAtod(item, &v) || !std::isfinite(v)) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "' is not a list of numbers (bad item '", item, "')"));
    }
    values.push_back(v);
  }
  return values;
}

}  // namespace infip::io
