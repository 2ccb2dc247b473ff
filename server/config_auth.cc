// Authentication settings (AuthConfig in config.h; docs/security.md). Files are only named
// here; InfipServer::Start reads and checks them before it opens anything else.
#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "server/config_table.h"
#include "server/config_values.h"

namespace infip::server {
namespace {

absl::Status Path(std::string_view text, std::string& out) {
  if (text.empty()) return absl::InvalidArgumentError("the path is empty");
  out = std::string(text);
  return absl::OkStatus();
}

}  // namespace

std::vector<Setting> AuthSettings() {
  using C = ServerConfig;
  using Kind = SettingKind;
  return {
      {"--tls-cert", "INFIP_TLS_CERT", Kind::kValue,
       "the server's TLS certificate chain (PEM); with --tls-key, the server speaks TLS only. "
       "Re-read when it changes, so a renewed certificate needs no restart",
       [](std::string_view t, C& c) { return Path(t, c.auth.tls_cert); }},
      {"--tls-key", "INFIP_TLS_KEY", Kind::kValue, "the private key (PEM) of --tls-cert",
       [](std::string_view t, C& c) { return Path(t, c.auth.tls_key); }},
      {"--tls-client-ca", "INFIP_TLS_CLIENT_CA", Kind::kValue,
       "CA certificates (PEM) that sign client certificates: mutual TLS, the caller being its "
       "certificate's SPIFFE ID, SAN or CN as granted by --access-file; callers without a "
       "certificate may still present a bearer token. Re-read on SIGHUP",
       [](std::string_view t, C& c) { return Path(t, c.auth.tls_client_ca); }},
      {"--tls-reload-interval", "INFIP_TLS_RELOAD_INTERVAL", Kind::kValue,
       "how often --tls-cert and --tls-key are checked for a new certificate (default 1m)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(c.auth.tls_reload_interval, ParseDurationText(t));
         if (c.auth.tls_reload_interval < absl::Seconds(1) ||
             c.auth.tls_reload_interval > absl::Hours(24)) {
           return absl::InvalidArgumentError("the interval must lie within 1s..24h");
         }
         return absl::OkStatus();
       }},
      {"--access-file", "INFIP_ACCESS_FILE", Kind::kValue,
       "who may call: lines '<token|cert> <credential> <principal> <roles>' (docs/security.md); "
       "re-read on SIGHUP. Without it only a plain-text loopback or unix-socket server runs, "
       "every caller being the local principal with every role",
       [](std::string_view t, C& c) { return Path(t, c.auth.access_file); }},
      {"--insecure", "INFIP_INSECURE", Kind::kSwitch,
       "allow plain text (no TLS) on an address other than loopback, e.g. behind a mesh that "
       "encrypts; warned about at every start (default false)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(c.auth.insecure, ParseBool(t));
         return absl::OkStatus();
       }},
  };
}

}  // namespace infip::server
