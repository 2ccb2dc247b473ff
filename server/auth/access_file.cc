#include "server/auth/access_file.h"

#include <openssl/crypto.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/absl_view.h"

namespace infip::server::auth {
namespace {

std::string_view KindName(CredentialKind kind) {
  return kind == CredentialKind::kToken ? "token" : "certificate identity";
}

bool IsLowerSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

// Fields of a line: runs of anything but spaces and tabs.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  for (absl::string_view f :
       absl::StrSplit(Absl(line), absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
    out.push_back(Std(f));
  }
  return out;
}

class LineError {
 public:
  LineError(std::string_view source, int line) : source_(source), line_(line) {}
  absl::Status operator()(std::string_view why) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(source_), ", line ", line_, ": ", Absl(why)));
  }

 private:
  std::string_view source_;
  int line_;
};

absl::StatusOr<AccessEntry> ParseLine(const std::vector<std::string_view>& fields,
                                      const LineError& error) {
  if (fields.size() != 4) {
    return error(
        absl::StrCat("expected 4 fields (kind credential principal roles), found ", fields.size()));
  }
  AccessEntry entry;
  if (fields[0] == "token") {
    entry.kind = CredentialKind::kToken;
    if (!IsLowerSha256Hex(fields[1])) {
      // Not quoted: a token pasted here by mistake must not end up in a log.
      return error(absl::StrCat(
          "a token credential is the lowercase hex SHA-256 of the token (64 characters 0-9a-f), "
          "never the token itself; this one has ",
          fields[1].size(), " characters"));
    }
  } else if (fields[0] == "cert") {
    entry.kind = CredentialKind::kCertificate;
    if (fields[1].size() > kMaxIdentityLength) {
      return error(absl::StrCat("the certificate identity is longer than ", kMaxIdentityLength,
                                " characters"));
    }
  } else {
    return error(absl::StrCat("unknown kind '", Absl(fields[0]), "' (token or cert)"));
  }
  entry.credential = std::string(fields[1]);
  if (fields[2].size() > kMaxPrincipalLength || !IsPrintableAscii(fields[2])) {
    return error(absl::StrCat("the principal must be 1..", kMaxPrincipalLength,
                              " printable ASCII characters"));
  }
  entry.principal.name = std::string(fields[2]);
  absl::StatusOr<RoleSet> roles = ParseRoles(fields[3]);
  if (!roles.ok()) return error(Std(roles.status().message()));
  entry.principal.roles = *roles;
  return entry;
}

}  // namespace

absl::StatusOr<AccessList> AccessList::Parse(std::string_view text, std::string_view source) {
  AccessList list;
  std::map<std::pair<CredentialKind, std::string>, int> credential_lines;
  std::map<std::string, const AccessEntry*> principals;  // first grant of each
  int number = 0;
  for (absl::string_view raw : absl::StrSplit(Absl(text), '\n')) {
    ++number;
    const LineError error(source, number);
    std::string_view line = Std(absl::StripAsciiWhitespace(raw));
    for (char c : line) {
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
        return error("holds a control character");
      }
    }
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string_view> fields = Fields(line);
    // A '#' field after the grant starts a comment.
    for (size_t i = 1; i < fields.size(); ++i) {
      if (i >= 4 && fields[i].front() == '#') {
        fields.resize(i);
        break;
      }
    }
    absl::StatusOr<AccessEntry> entry = ParseLine(fields, error);
    if (!entry.ok()) return entry.status();
    entry->line = number;
    const auto [it, inserted] =
        credential_lines.emplace(std::make_pair(entry->kind, entry->credential), number);
    if (!inserted) {
      return error(absl::StrCat("the same ", Absl(KindName(entry->kind)), " as line ", it->second,
                                "; a credential may be granted once"));
    }
    list.entries_.push_back(*std::move(entry));
  }
  // Roles are per principal: every line naming one must give it the same roles.
  for (const AccessEntry& e : list.entries_) {
    const auto [it, inserted] = principals.emplace(e.principal.name, &e);
    if (!inserted && !(it->second->principal.roles == e.principal.roles)) {
      return LineError(source, e.line)(absl::StrCat(
          "principal '", e.principal.name, "' has roles ", e.principal.roles.ToString(),
          " here but ", it->second->principal.roles.ToString(), " on line ", it->second->line,
          "; roles are given per principal"));
    }
  }
  return list;
}

absl::StatusOr<AccessList> AccessList::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot read the access file ", path));
  }
  std::string text;
  text.resize(kMaxAccessFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxAccessFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than ", kMaxAccessFileBytes, " bytes; not an access file?"));
  }
  return Parse(text, path);
}

std::optional<Principal> AccessList::FindToken(std::string_view token_sha256) const {
  if (token_sha256.size() != 64) return std::nullopt;
  const AccessEntry* match = nullptr;
  for (const AccessEntry& e : entries_) {
    if (e.kind != CredentialKind::kToken) continue;
    // No early exit: every grant costs the same whether or not it matches.
    const bool equal = CRYPTO_memcmp(e.credential.data(), token_sha256.data(), 64) == 0;
    if (equal) match = &e;
  }
  if (match == nullptr) return std::nullopt;
  return match->principal;
}

std::optional<Principal> AccessList::FindCertificate(std::string_view identity) const {
  for (const AccessEntry& e : entries_) {
    if (e.kind == CredentialKind::kCertificate && e.credential == identity) return e.principal;
  }
  return std::nullopt;
}

size_t AccessList::CountOf(CredentialKind kind) const {
  size_t n = 0;
  for (const AccessEntry& e : entries_) n += e.kind == kind ? 1 : 0;
  return n;
}

}  // namespace infip::server::auth
