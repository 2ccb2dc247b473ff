// What the server may fetch, how much and for how long: the operator's configuration of
// remote handles (docs/remote-handles.md). Fetcher::Create() validates it.
//
//   FetchPolicy policy;
//   policy.allowed_roots = {"/volumes/models"};
//   policy.allowed_hosts = {"models.example.org", "10.0.0.7:8443"};
//   policy.max_bytes = int64_t{2} << 30;
//   policy.temp_dir = "/var/lib/infip/tmp";
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace infip::fetch {

struct FetchPolicy {
  // Absolute directories that file:// handles may name files under. Empty: no file://.
  std::vector<std::string> allowed_roots;
  // "host" (any port) or "host:port" that http(s):// handles may name. Empty: no http(s).
  std::vector<std::string> allowed_hosts;
  // Largest model accepted, in bytes; the first byte past it fails the fetch.
  int64_t max_bytes = int64_t{2} << 30;
  // The whole fetch, every redirect hop included; a caller's deadline may shorten it.
  absl::Duration timeout = absl::Minutes(5);
  absl::Duration connect_timeout = absl::Seconds(10);
  // Where fetched models are staged (mode 0600 files, deleted after use). Must exist.
  std::string temp_dir;
  // http:// as well as https://. Off by default: a plain-http model can be swapped in
  // transit (a SHA-256 pin still catches that).
  bool allow_plain_http = false;
  // PEM bundle of CAs to trust instead of the system's (a private CA, or a test's). TLS
  // verification is always on; there is no option to turn it off.
  std::string ca_bundle;
  // Redirects are followed by hand, each hop checked against allowed_hosts; 0 refuses all.
  int max_redirects = 5;
};

}  // namespace infip::fetch
