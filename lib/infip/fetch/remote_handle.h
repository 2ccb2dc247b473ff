// The syntax of a remote handle: a URI naming a model the server fetches itself instead of
// receiving it as an upload. Three forms exist:
//
//   file:///volumes/models/resnet.pt       (also file://localhost/...)
//   https://models.example.org/resnet.pt
//   http://models.internal:8080/resnet.pt
//
// ParseRemoteHandle() checks syntax only and answers INVALID_ARGUMENT, naming why, for
// anything else: other schemes (ftp:, data:, ...), relative paths, malformed URIs,
// credentials in the URI, control characters. Whether a handle may be fetched is the
// HandleAuthorizer's question (handle_authorizer.h).
//
//   INFIP_ASSIGN_OR_RETURN(RemoteHandle handle, ParseRemoteHandle(uri));
//   if (handle.scheme == HandleScheme::kFile) ... handle.path ...
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infip::fetch {

enum class HandleScheme { kFile, kHttp, kHttps };

// Longer handles are refused (INVALID_ARGUMENT).
inline constexpr size_t kMaxHandleLength = 8192;

struct RemoteHandle {
  HandleScheme scheme = HandleScheme::kFile;
  // kFile: the absolute path, percent-decoded, not yet resolved.
  std::string path;
  // kHttp / kHttps: the URL as libcurl will request it (normalised by libcurl's own URL
  // parser, so that the host checked is the host connected to), its host (lowercase; IPv6
  // literals in brackets) and its port (explicit or the scheme's default).
  std::string url;
  std::string host;
  int port = 0;
  // For messages and logs: the handle without its query string, which may carry a token.
  std::string display;
};

[[nodiscard]] absl::StatusOr<RemoteHandle> ParseRemoteHandle(std::string_view uri);

// "file", "http" or "https".
[[nodiscard]] std::string_view SchemeName(HandleScheme scheme);

}  // namespace infip::fetch
