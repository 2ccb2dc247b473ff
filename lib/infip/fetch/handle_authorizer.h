// Which remote handles the server may fetch: the allow-lists of a FetchPolicy, normalised
// once. A handle passes when
//   - file://  it lies under an allowed root, both as written and once every symbolic link
//              is resolved, has no '..' segment, and names a regular file;
//   - https:// its host (and port, where the allow-list entry names one) is allow-listed;
//   - http://  the same, and the policy allows plain http.
// A refusal is PERMISSION_DENIED naming why; a missing file inside a root is NOT_FOUND; a
// malformed handle is INVALID_ARGUMENT (remote_handle.h). No check touches the network.
//
//   INFIP_ASSIGN_OR_RETURN(auto authorizer,
//                          HandleAuthorizer::Create({"/volumes/models"}, {"models.example.org"},
//                                                   /*allow_plain_http=*/false));
//   INFIP_ASSIGN_OR_RETURN(RemoteHandle handle, authorizer->Authorize(uri));
//
// Allow-list entries are "host" (any port) or "host:port"; hosts match exactly, ignoring
// case, after libcurl's normalisation ("[::1]:8443" for IPv6). Immutable, so thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "infip/fetch/remote_handle.h"

namespace infip::fetch {

class HandleAuthorizer {
 public:
  // INVALID_ARGUMENT naming the entry for a root that is not an existing directory given by
  // an absolute path, or a host entry that is not "host" or "host:port".
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HandleAuthorizer>> Create(
      const std::vector<std::string>& allowed_roots, const std::vector<std::string>& allowed_hosts,
      bool allow_plain_http);

  // Parses uri and checks it against the allow-lists. For file:// handles the returned path
  // is the resolved (canonical) path, to be opened without following links.
  [[nodiscard]] absl::StatusOr<RemoteHandle> Authorize(std::string_view uri) const;

  // The http(s) half of Authorize, for a handle parsed already (each redirect hop).
  [[nodiscard]] absl::Status AuthorizeUrl(const RemoteHandle& handle) const;

  // Whether a resolved absolute path lies inside a canonical allowed root.
  [[nodiscard]] bool IsInsideRoot(const std::string& resolved_path) const;

 private:
  struct HostEntry {
    std::string host;
    int port = 0;  // 0: any port
  };

  HandleAuthorizer() = default;
  [[nodiscard]] absl::Status ResolveFile(RemoteHandle& handle) const;

  std::vector<std::string> roots_as_given_;  // lexically normal, no trailing '/'
  std::vector<std::string> canonical_roots_;
  std::vector<HostEntry> hosts_;
  bool allow_plain_http_ = false;
};

}  // namespace infip::fetch
