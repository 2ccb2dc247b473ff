#include "infip/fetch/remote_handle.h"

#include <curl/curl.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "infip/fetch/string_view_util.h"

namespace infip::fetch {
namespace {

using internal::ToAbsl;

// A handle as it may appear in a message: no query (it may carry a token), not too long.
std::string Quote(std::string_view uri) {
  uri = uri.substr(0, uri.find('?'));
  constexpr size_t kShown = 200;
  if (uri.size() > kShown) return absl::StrCat("'", ToAbsl(uri.substr(0, kShown)), "...'");
  return absl::StrCat("'", ToAbsl(uri), "'");
}

absl::Status Invalid(std::string_view uri, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("remote handle ", Quote(uri), ": ", ToAbsl(why)));
}

bool IsSchemeChar(char c, bool first) {
  if (absl::ascii_isalpha(static_cast<unsigned char>(c))) return true;
  return !first &&
         (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.');
}

// The scheme before the first ':', lowercase; empty when the handle does not start with one.
std::string SchemeOf(std::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return "";
  for (size_t i = 0; i < colon; ++i) {
    if (!IsSchemeChar(uri[i], i == 0)) return "";
  }
  return absl::AsciiStrToLower(std::string(uri.substr(0, colon)));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> PercentDecode(std::string_view uri, std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    const int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
    const int lo = hi >= 0 ? HexValue(in[i + 2]) : -1;
    if (lo < 0) return Invalid(uri, "a '%' that does not start a %XX escape");
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return Invalid(uri, "a %00 (NUL) escape in the path");
    out.push_back(c);
    i += 2;
  }
  return out;
}

absl::StatusOr<RemoteHandle> ParseFileHandle(std::string_view uri, std::string_view rest) {
  // rest follows "file:".
  if (rest.substr(0, 2) != "//") {
    return Invalid(uri, "file handles take the form file:///absolute/path");
  }
  rest.remove_prefix(2);
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (!authority.empty() && absl::AsciiStrToLower(std::string(authority)) != "localhost") {
    return Invalid(uri, absl::StrCat("file handles name local files only, not host '",
                                     ToAbsl(authority), "'"));
  }
  if (slash == std::string_view::npos) {
    return Invalid(uri, "file handles take the form file:///absolute/path");
  }
  const std::string_view encoded = rest.substr(slash);
  if (encoded.find_first_of("?#") != std::string_view::npos) {
    return Invalid(uri, "file handles take no query or fragment (write '?' as %3F, '#' as %23)");
  }
  RemoteHandle handle;
  handle.scheme = HandleScheme::kFile;
  auto path = PercentDecode(uri, encoded);
  if (!path.ok()) return path.status();
  handle.path = *std::move(path);
  handle.display = absl::StrCat("file://", handle.path);
  return handle;
}

struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// One part of a parsed URL; nullopt-like empty result with the libcurl code when absent.
CURLUcode GetPart(CURLU* url, CURLUPart part, unsigned flags, std::string* out) {
  char* value = nullptr;
  const CURLUcode rc = curl_url_get(url, part, &value, flags);
  if (rc == CURLUE_OK) {
    out->assign(value);
    curl_free(value);
  }
  return rc;
}

absl::StatusOr<RemoteHandle> ParseHttpHandle(std::string_view uri, HandleScheme scheme) {
  std::unique_ptr<CURLU, CurlUrlDeleter> url(curl_url());
  if (url == nullptr) return absl::ResourceExhaustedError("cannot allocate a URL handle");
  const std::string text(uri);
  // No flags: no guessed or default scheme, no spaces, nothing libcurl would not request.
  if (const CURLUcode rc = curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0);
      rc != CURLUE_OK) {
    return Invalid(uri, absl::StrCat("malformed URL (", curl_url_strerror(rc), ")"));
  }
  std::string ignored;
  if (GetPart(url.get(), CURLUPART_USER, 0, &ignored) == CURLUE_OK ||
      GetPart(url.get(), CURLUPART_PASSWORD, 0, &ignored) == CURLUE_OK) {
    return Invalid(uri, "credentials in the URL are not accepted");
  }
  RemoteHandle handle;
  handle.scheme = scheme;
  if (GetPart(url.get(), CURLUPART_HOST, 0, &handle.host) != CURLUE_OK || handle.host.empty()) {
    return Invalid(uri, "the URL names no host");
  }
  handle.host = absl::AsciiStrToLower(handle.host);
  std::string port;
  if (GetPart(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT, &port) != CURLUE_OK) {
    return Invalid(uri, "the URL names no port and its scheme has no default");
  }
  handle.port = std::atoi(port.c_str());
  // Fragments are never sent; dropping it keeps them out of logs too.
  curl_url_set(url.get(), CURLUPART_FRAGMENT, nullptr, 0);
  if (GetPart(url.get(), CURLUPART_URL, 0, &handle.url) != CURLUE_OK) {
    return Invalid(uri, "the URL cannot be rebuilt");
  }
  handle.display = handle.url.substr(0, handle.url.find('?'));
  return handle;
}

}  // namespace

std::string_view SchemeName(HandleScheme scheme) {
  switch (scheme) {
    case HandleScheme::kFile:
      return "file";
    case HandleScheme::kHttp:
      return "http";
    case HandleScheme::kHttps:
      return "https";
  }
  return "?";
}

absl::StatusOr<RemoteHandle> ParseRemoteHandle(std::string_view uri) {
  if (uri.empty()) return absl::InvalidArgumentError("remote handle is empty");
  if (uri.size() > kMaxHandleLength) {
    return Invalid(uri, absl::StrCat("longer than ", kMaxHandleLength, " characters"));
  }
  for (const char c : uri) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Invalid(uri, "contains a control character");
  }
  const std::string scheme = SchemeOf(uri);
  if (scheme.empty()) {
    return Invalid(uri,
                   "not a URI (no scheme); give file:///absolute/path, https://host/path or "
                   "http://host/path");
  }
  const std::string_view rest = uri.substr(scheme.size() + 1);
  if (scheme == "file") return ParseFileHandle(uri, rest);
  if (scheme == "https") return ParseHttpHandle(uri, HandleScheme::kHttps);
  if (scheme == "http") return ParseHttpHandle(uri, HandleScheme::kHttp);
  return Invalid(uri, absl::StrCat("scheme '", scheme,
                                   ":' is not supported; only file://, https:// and http://"));
}

}  // namespace infip::fetch
