#include "infip/fetch/handle_authorizer.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/fetch/string_view_util.h"

namespace infip::fetch {
namespace {

namespace fs = std::filesystem;
using internal::ToAbsl;
using internal::ToStd;

// Lexically normal, without a trailing '/' (except for "/" itself).
std::string Normal(const fs::path& path) {
  std::string s = path.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool IsWithin(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root ||
         (path.size() > root.size() && absl::StartsWith(path, root) && path[root.size()] == '/');
}

bool IsWithinAny(const std::string& path, const std::vector<std::string>& roots) {
  for (const std::string& root : roots) {
    if (IsWithin(path, root)) return true;
  }
  return false;
}

bool HasDotDotSegment(const std::string& path) {
  for (const auto& part : fs::path(path)) {
    if (part == "..") return true;
  }
  return false;
}

// "host" or "host:port" with an explicit port at the end ("[::1]:8443").
bool HasExplicitPort(std::string_view entry) {
  const size_t colon = entry.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == entry.size()) return false;
  const size_t bracket = entry.rfind(']');
  if (bracket != std::string_view::npos && bracket > colon) return false;
  if (bracket == std::string_view::npos && entry.find(':') != colon) return false;  // bare IPv6
  for (size_t i = colon + 1; i < entry.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(entry[i]))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HandleAuthorizer>> HandleAuthorizer::Create(
    const std::vector<std::string>& allowed_roots, const std::vector<std::string>& allowed_hosts,
    bool allow_plain_http) {
  std::unique_ptr<HandleAuthorizer> authorizer(new HandleAuthorizer());
  authorizer->allow_plain_http_ = allow_plain_http;
  for (const std::string& root : allowed_roots) {
    if (root.empty() || root.front() != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("allowed root '", root, "' is not an absolute path"));
    }
    std::error_code ec;
    const fs::path canonical = fs::canonical(root, ec);
    if (ec || !fs::is_directory(canonical, ec)) {
      return absl::InvalidArgumentError(
          absl::StrCat("allowed root '", root, "' is not an existing directory"));
    }
    authorizer->roots_as_given_.push_back(Normal(root));
    authorizer->canonical_roots_.push_back(Normal(canonical));
  }
  for (const std::string& entry : allowed_hosts) {
    const auto bad = [&entry](std::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("allowed host '", entry, "': ", ToAbsl(why)));
    };
    if (entry.empty() || entry.find_first_of("/?#@ ") != std::string::npos) {
      return bad("give a host or host:port, not a URL");
    }
    auto parsed = ParseRemoteHandle(absl::StrCat("http://", entry, "/"));
    if (!parsed.ok()) return bad(ToStd(parsed.status().message()));
    authorizer->hosts_.push_back({parsed->host, HasExplicitPort(entry) ? parsed->port : 0});
  }
  return authorizer;
}

absl::StatusOr<RemoteHandle> HandleAuthorizer::Authorize(std::string_view uri) const {
  auto handle = ParseRemoteHandle(uri);
  if (!handle.ok()) return handle.status();
  if (handle->scheme == HandleScheme::kFile) {
    if (absl::Status s = ResolveFile(*handle); !s.ok()) return s;
  } else {
    if (absl::Status s = AuthorizeUrl(*handle); !s.ok()) return s;
  }
  return handle;
}

absl::Status HandleAuthorizer::AuthorizeUrl(const RemoteHandle& handle) const {
  const auto denied = [&handle](std::string_view why) {
    return absl::PermissionDeniedError(
        absl::StrCat("remote handle '", handle.display, "' refused: ", ToAbsl(why)));
  };
  if (handle.scheme == HandleScheme::kFile) {
    return denied("only http(s) handles are checked against the host allow-list");
  }
  if (handle.scheme == HandleScheme::kHttp && !allow_plain_http_) {
    return denied("plain http:// is not allowed by the fetch policy; use https://");
  }
  for (const HostEntry& entry : hosts_) {
    if (entry.host == handle.host && (entry.port == 0 || entry.port == handle.port)) {
      return absl::OkStatus();
    }
  }
  if (hosts_.empty()) return denied("no hosts are allow-listed for remote fetches");
  return denied(absl::StrCat("host ", handle.host, ":", handle.port, " is not on the allow-list"));
}

bool HandleAuthorizer::IsInsideRoot(const std::string& resolved_path) const {
  return IsWithinAny(resolved_path, canonical_roots_);
}

absl::Status HandleAuthorizer::ResolveFile(RemoteHandle& handle) const {
  const auto denied = [&handle](std::string_view why) {
    return absl::PermissionDeniedError(
        absl::StrCat("remote handle '", handle.display, "' refused: ", ToAbsl(why)));
  };
  if (canonical_roots_.empty()) {
    return denied("file:// handles are disabled (no allowed roots are configured)");
  }
  // Refused outright rather than resolved: a '..' is never needed to name a file in a root.
  if (HasDotDotSegment(handle.path)) return denied("the path contains a '..' segment");
  // As written first, so that nothing outside the roots is even looked up (a NOT_FOUND there
  // would tell the caller which files exist).
  const std::string written = Normal(handle.path);
  if (!IsWithinAny(written, roots_as_given_) && !IsWithinAny(written, canonical_roots_)) {
    return denied(absl::StrCat("the path is outside the allowed roots (",
                               absl::StrJoin(roots_as_given_, ", "), ")"));
  }
  std::error_code ec;
  const std::string resolved = Normal(fs::weakly_canonical(written, ec));
  if (ec) {
    return absl::ErrnoToStatus(ec.value(), absl::StrCat("cannot resolve ", handle.display));
  }
  if (!IsInsideRoot(resolved)) {
    return denied("a symbolic link on the path leads outside the allowed roots");
  }
  const fs::file_status status = fs::status(resolved, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return absl::ErrnoToStatus(ec.value(), absl::StrCat("cannot stat ", handle.display));
  }
  if (!fs::exists(status)) {
    return absl::NotFoundError(absl::StrCat("no such file: ", handle.display));
  }
  if (!fs::is_regular_file(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat("remote handle '", handle.display, "' is not a regular file"));
  }
  handle.path = resolved;
  return absl::OkStatus();
}

}  // namespace infip::fetch
