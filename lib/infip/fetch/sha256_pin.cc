#include "infip/fetch/sha256_pin.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "infip/fetch/string_view_util.h"

namespace infip::fetch {

using internal::ToAbsl;

absl::StatusOr<std::string> ParseSha256Pin(std::string_view pin) {
  if (pin.empty()) return std::string();
  if (pin.size() != 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("SHA-256 pin must be 64 hex digits; got ", pin.size(), " characters"));
  }
  for (const char c : pin) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("SHA-256 pin must be 64 hex digits; it has a non-hex one");
    }
  }
  return absl::AsciiStrToLower(std::string(pin));
}

absl::Status CheckSha256Pin(std::string_view pin, std::string_view actual,
                            std::string_view handle_display) {
  if (pin.empty() || pin == actual) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("SHA-256 of '", ToAbsl(handle_display), "' is ",
                                                    ToAbsl(actual), " but the pin says ",
                                                    ToAbsl(pin)));
}

}  // namespace infip::fetch
