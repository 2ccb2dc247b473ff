#include "server/config_values.h"

#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "server/absl_view.h"

namespace infip::server {
namespace {

struct Unit {
  std::string_view suffix;
  int shift;
};
// Longest suffixes first, so that "kib" is not taken for "b".
constexpr Unit kUnits[] = {{"tib", 40}, {"gib", 30}, {"mib", 20}, {"kib", 10}, {"b", 0}};

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) { return Std(absl::StripAsciiWhitespace(Absl(s))); }

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(Absl(Trim(s))); }

}  // namespace

absl::StatusOr<int64_t> ParseByteSize(std::string_view text) {
  const std::string lower = Lower(text);
  std::string_view number = lower;
  int shift = 0;
  for (const Unit& unit : kUnits) {
    if (number.ends_with(unit.suffix)) {
      number.remove_suffix(unit.suffix.size());
      shift = unit.shift;
      break;
    }
  }
  number = Trim(number);
  uint64_t value = 0;
  if (!AllDigits(number) || !absl::SimpleAtoi(Absl(number), &value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", Absl(text), "' is not a byte size (a whole number of bytes, optionally with KiB, "
        "MiB, GiB or TiB)"));
  }
  const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) >> shift;
  if (value > limit) {
    return absl::InvalidArgumentError(absl::StrCat("byte size '", Absl(text), "' is too large"));
  }
  return static_cast<int64_t>(value << shift);
}

absl::StatusOr<absl::Duration> ParseDurationText(std::string_view text) {
  const std::string_view trimmed = Trim(text);
  absl::Duration d;
  int64_t seconds = 0;
  if (AllDigits(trimmed) && absl::SimpleAtoi(Absl(trimmed), &seconds)) {
    d = absl::Seconds(seconds);
  } else if (trimmed.empty() || !absl::ParseDuration(Absl(trimmed), &d) ||
             d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", Absl(text),
        "' is not a duration (e.g. 30s, 5m, 1h30m, 250ms, or a whole number of seconds)"));
  }
  if (d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("duration '", Absl(text), "' is negative"));
  }
  return d;
}

absl::StatusOr<bool> ParseBool(std::string_view text) {
  const std::string lower = Lower(text);
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("'", Absl(text), "' is not a boolean (true/false, 1/0, yes/no, on/off)"));
}

absl::StatusOr<int64_t> ParseInteger(std::string_view text) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(Absl(Trim(text)), &value)) {
    return absl::InvalidArgumentError(absl::StrCat("'", Absl(text), "' is not a whole number"));
  }
  return value;
}

absl::StatusOr<double> ParseNumber(std::string_view text) {
  double value = 0;
  if (!absl::SimpleAtod(Absl(Trim(text)), &value) || !std::isfinite(value)) {
    return absl::InvalidArgumentError(absl::StrCat("'", Absl(text), "' is not a finite number"));
  }
  return value;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(Absl(text), ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

absl::Status CheckListenAddress(std::string_view address, bool allow_unix) {
  if (address.starts_with("unix:")) {
    if (!allow_unix) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", Absl(address), "': a unix socket is not possible here; use host:port"));
    }
    if (address.size() == 5) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", Absl(address), "' names no socket path"));
    }
    return absl::OkStatus();
  }
  const size_t colon = address.rfind(':');
  const auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", Absl(address),
        "' is not a listen address (host:port, e.g. 127.0.0.1:50051, 0.0.0.0:50051 or "
        "[::1]:50051): ",
        Absl(why)));
  };
  if (colon == std::string_view::npos) return bad("no port");
  const std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  if (host.empty()) return bad("no host");
  if (host.find(':') != std::string_view::npos &&
      !(host.front() == '[' && host.back() == ']' && host.size() > 2)) {
    return bad("an IPv6 host needs brackets");
  }
  if (host == "[]") return bad("no host");
  for (char c : host) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || c == '/') {
      return bad("the host contains a space or '/'");
    }
  }
  uint32_t port_number = 0;
  if (!AllDigits(port) || !absl::SimpleAtoi(Absl(port), &port_number) || port_number > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseDeviceName(std::string_view text) {
  const std::string lower = Lower(text);
  if (lower == "auto" || lower == "cpu" || lower == "cuda") return lower;
  std::string_view index = lower;
  if (index.starts_with("cuda:")) {
    index.remove_prefix(5);
    if (AllDigits(index) && index.size() <= 4) return lower;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", Absl(text), "' is not a device (auto, cpu, cuda or cuda:N)"));
}

}  // namespace infip::server
