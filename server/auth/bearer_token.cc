#include "server/auth/bearer_token.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "infip/io/sha256.h"
#include "server/absl_view.h"

namespace infip::server::auth {

absl::StatusOr<std::optional<std::string>> BearerToken(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  const auto [begin, end] = metadata.equal_range(kAuthorizationHeader);
  if (begin == end) return std::nullopt;
  if (std::next(begin) != end) {
    return absl::UnauthenticatedError("the call has more than one authorization header");
  }
  const std::string_view value(begin->second.data(), begin->second.size());
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() || !absl::StartsWithIgnoreCase(Absl(value), Absl(kScheme))) {
    return absl::UnauthenticatedError(
        "the authorization header is not 'Bearer <token>' (the only scheme this server takes)");
  }
  const std::string_view token =
      Std(absl::StripAsciiWhitespace(Absl(value.substr(kScheme.size()))));
  if (token.empty()) return absl::UnauthenticatedError("the bearer token is empty");
  for (char c : token) {
    if (c < 0x21 || c > 0x7E) {
      return absl::UnauthenticatedError(
          "the bearer token holds a character that is not printable ASCII");
    }
  }
  return std::optional<std::string>(std::string(token));
}

std::string TokenSha256(std::string_view token) { return io::Sha256Hex(token); }

}  // namespace infip::server::auth
