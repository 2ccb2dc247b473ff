#include "infip/store/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "infip/store/validate.h"

namespace infip::store {
namespace {

// Versioned, so that a later sort key can refuse old tokens clearly.
constexpr char kTokenVersion[] = "p1";

absl::Status Malformed(const char* why) {
  return absl::InvalidArgumentError(
      absl::StrCat("page token is malformed (", why, "); pass a next_page_token back unchanged"));
}

}  // namespace

std::string EncodePageToken(const PagePosition& position) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kTokenVersion, ":", position.created_micros, ":", position.id));
}

absl::StatusOr<PagePosition> DecodePageToken(std::string_view token) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &text)) {
    return Malformed("not base64");
  }
  const std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits(':', 2));
  if (parts.size() != 3 || parts[0] != kTokenVersion) return Malformed("unknown layout");
  PagePosition position;
  if (!absl::SimpleAtoi(parts[1], &position.created_micros)) return Malformed("bad time");
  if (!ValidateRegistrationId(parts[2]).ok()) return Malformed("bad id");
  position.id = parts[2];
  return position;
}

}  // namespace infip::store
