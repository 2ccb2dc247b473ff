// Bearer tokens: `authorization: Bearer <token>` call metadata (RFC 6750's header form), for
// callers without a client certificate. The server keeps only each token's SHA-256
// (access_file.h) and checks the token on every call: gRPC's AuthContext belongs to the
// connection, not to the call, so nothing learnt from one call's token may carry to the next.
//
//   INFIP_ASSIGN_OR_RETURN(std::optional<std::string> token,
//   BearerToken(context->client_metadata())); if (token) principal =
//   list.FindToken(TokenSha256(*token));
#pragma once

#include <grpcpp/support/string_ref.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infip::server::auth {

inline constexpr char kAuthorizationHeader[] = "authorization";

// The token of the call's one `authorization` header, or nullopt when it has none.
// UNAUTHENTICATED for several headers, another scheme than Bearer (case-insensitive), or a
// token that is empty or holds anything but printable ASCII.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> BearerToken(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// The lowercase hex SHA-256 of the token's bytes: what the access file holds.
[[nodiscard]] std::string TokenSha256(std::string_view token);

}  // namespace infip::server::auth
