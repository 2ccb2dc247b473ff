#include "client/remote_status.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace infip::cli {

absl::Status FromGrpcStatus(const grpc::Status& status, const CallSite& site) {
  if (status.ok()) return absl::OkStatus();
  // grpc::StatusCode and absl::StatusCode share the canonical numbering.
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return absl::UnavailableError(absl::StrCat("cannot reach the infip server at ", site.server,
                                                 " (", message.empty() ? "unavailable" : message,
                                                 "); is it running? set --server or INFIP_SERVER"));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      if (site.timeout.has_value()) {
        return absl::DeadlineExceededError(
            absl::StrFormat("the infip server at %s did not finish within --timeout %g s",
                            site.server, *site.timeout));
      }
      // The server set a deadline of its own (its message says which).
      return absl::DeadlineExceededError(absl::StrCat(site.server, ": ", message));
    default:
      return absl::Status(
          code, absl::StrCat(site.server, ": ", message.empty() ? "(no message)" : message));
  }
}

}  // namespace infip::cli
