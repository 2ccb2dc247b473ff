#include "client/flag_checks.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace infip::cli {

CLI::Validator PositiveInteger() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        int64_t n = 0;
        if (absl::SimpleAtoi(value, &n) && n >= 1) return "";
        return absl::StrFormat("expected a whole number >= 1, not '%s'", value);
      },
      "N>=1");
}

CLI::Validator PositiveNumber() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        double x = 0;
        if (absl::SimpleAtod(value, &x) && std::isfinite(x) && x > 0) return "";
        return absl::StrFormat("expected a number > 0, not '%s'", value);
      },
      "X>0");
}

CLI::Validator NumberBetween(double low, double high) {
  return CLI::Validator(
      [low, high](std::string& value) -> std::string {
        double x = 0;
        if (absl::SimpleAtod(value, &x) && x >= low && x <= high) return "";
        return absl::StrFormat("expected a number from %g to %g, not '%s'", low, high, value);
      },
      absl::StrFormat("%g..%g", low, high));
}

}  // namespace infip::cli
