// The access file: who may call the server, and with which roles (--access-file,
// INFIP_ACCESS_FILE; docs/security.md). One grant per line,
//
//   # kind  credential                                                        principal  roles
//   token   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  shop-1     verifier
//   cert    spiffe://example.org/owner/alice                                  alice      owner
//   cert    ops.example.org                                                   ops        admin
//
// fields separated by spaces or tabs; blank lines and lines starting with '#' are ignored, and
// a '#' field after the fourth starts a comment.
//   - kind `token`: the credential is the lowercase hex SHA-256 of the bearer token, so the
//     file holds no secret (`printf %s "$TOKEN" | sha256sum`);
//   - kind `cert`: the identity taken from a verified client certificate (peer_identity.h:
//     its SPIFFE ID, else its first subject alternative name, else its common name);
//   - the principal is a name (1..128 printable ASCII characters, no spaces): the tenant an
//     owner's registrations belong to and what audit lines name;
//   - roles: a comma list of owner, verifier, admin (roles.h).
// A credential may appear once. A principal may hold several credentials (a certificate and a
// token), always with the same roles: roles are given per principal.
//
//   INFIP_ASSIGN_OR_RETURN(AccessList list, AccessList::Load("/etc/infip/access"));
//   if (std::optional<Principal> p = list.FindToken(TokenSha256(token))) ...
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/auth/roles.h"

namespace infip::server::auth {

enum class CredentialKind { kToken, kCertificate };

struct Principal {
  std::string name;
  RoleSet roles;
};

struct AccessEntry {
  CredentialKind kind = CredentialKind::kToken;
  std::string credential;  // lowercase SHA-256 hex (token) or a certificate identity
  Principal principal;
  int line = 0;  // 1-based, in the file it came from
};

inline constexpr size_t kMaxPrincipalLength = 128;
inline constexpr size_t kMaxIdentityLength = 1024;
inline constexpr size_t kMaxAccessFileBytes = size_t{1} << 20;

class AccessList {
 public:
  AccessList() = default;  // grants nothing

  // The grants in `text`. INVALID_ARGUMENT "<source>, line N: <why>" for the first bad line:
  // a wrong number of fields, an unknown kind, a token credential that is not 64 lowercase hex
  // digits (the message never repeats it: it may be a token pasted by mistake), an empty or
  // over-long identity, a principal that is not 1..128 printable ASCII characters, an unknown
  // or empty role, a credential already given on another line, or a principal given other
  // roles than on an earlier line (both lines named).
  [[nodiscard]] static absl::StatusOr<AccessList> Parse(std::string_view text,
                                                        std::string_view source);
  // Parse of the file's contents; the errno status naming the path when it cannot be read,
  // INVALID_ARGUMENT when it is larger than kMaxAccessFileBytes.
  [[nodiscard]] static absl::StatusOr<AccessList> Load(const std::string& path);

  // The principal holding the token whose SHA-256 is `token_sha256` (lowercase hex). Every
  // token grant is compared, each in constant time, so the time taken says nothing about
  // which grant (or how much of one) matched.
  [[nodiscard]] std::optional<Principal> FindToken(std::string_view token_sha256) const;
  // The principal granted to a certificate identity (exact match).
  [[nodiscard]] std::optional<Principal> FindCertificate(std::string_view identity) const;

  [[nodiscard]] const std::vector<AccessEntry>& entries() const { return entries_; }
  [[nodiscard]] size_t CountOf(CredentialKind kind) const;

 private:
  std::vector<AccessEntry> entries_;
};

}  // namespace infip::server::auth
