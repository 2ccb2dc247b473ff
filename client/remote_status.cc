#include "client/remote_status.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/exit_codes.h"

namespace infip::cli {
namespace {

// Whether a transport failure is the TLS handshake's (gRPC says so only in words).
bool LooksLikeTls(const std::string& message) {
  const std::string lower = absl::AsciiStrToLower(message);
  for (const char* word : {"ssl", "tls", "handshake", "certificate", "peer name"}) {
    if (absl::StrContains(lower, word)) return true;
  }
  return false;
}

}  // namespace

std::string RefusalOf(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  const auto it = trailers.find("infip-refusal");
  if (it == trailers.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

absl::Status FromGrpcStatus(const grpc::Status& status, const CallSite& site,
                            std::string_view refusal) {
  if (status.ok()) return absl::OkStatus();
  // grpc::StatusCode and absl::StatusCode share the canonical numbering.
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      if (site.tls && LooksLikeTls(message)) {
        return absl::UnavailableError(absl::StrCat(
            "the TLS handshake with the infip server at ", site.server, " failed (", message,
            "); check that --tls-ca holds the CA that signed the server's certificate and that "
            "the certificate names the host of --server (or give --tls-server-name)"));
      }
      return absl::UnavailableError(
          absl::StrCat("cannot reach the infip server at ", site.server, " (",
                       message.empty() ? "unavailable" : message,
                       "); is it running? set --server or INFIP_SERVER",
                       site.tls ? "" : "; if it serves TLS, give --tls-ca"));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      if (site.timeout.has_value()) {
        return absl::DeadlineExceededError(
            absl::StrFormat("the infip server at %s did not finish within --timeout %g s",
                            site.server, *site.timeout));
      }
      // The server set a deadline of its own (its message says which).
      return absl::DeadlineExceededError(absl::StrCat(site.server, ": ", message));
    case grpc::StatusCode::UNAUTHENTICATED:
      return MarkNotAllowed(absl::UnauthenticatedError(absl::StrCat(
          "the infip server at ", site.server,
          " refused the credentials: ", message.empty() ? "(no message)" : message,
          " (give a granted token with --token-file, or a client certificate with --tls-cert "
          "and --tls-key)")));
    case grpc::StatusCode::PERMISSION_DENIED:
      if (!refusal.empty()) {
        return MarkNotAllowed(absl::PermissionDeniedError(absl::StrCat(
            site.server, ": not allowed: ", message.empty() ? "(no message)" : message)));
      }
      [[fallthrough]];
    default:
      return absl::Status(
          code, absl::StrCat(site.server, ": ", message.empty() ? "(no message)" : message));
  }
}

}  // namespace infip::cli
