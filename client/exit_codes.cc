#include "client/exit_codes.h"

#include <iostream>
#include <string>

#include "absl/strings/cord.h"

namespace infip::cli {
namespace {

constexpr char kNotAllowedPayload[] = "type.infip.dev/infip.cli.NotAllowed";

}  // namespace

absl::Status MarkNotAllowed(absl::Status status) {
  status.SetPayload(kNotAllowedPayload, absl::Cord("1"));
  return status;
}

ExitCode ExitCodeFor(const absl::Status& status) {
  if (status.GetPayload(kNotAllowedPayload).has_value()) return kExitNotAllowed;
  switch (status.code()) {
    // Only the server's access control answers this.
    case absl::StatusCode::kUnauthenticated:
      return kExitNotAllowed;
    case absl::StatusCode::kOk:
      return kExitOk;
    // The input a user handed over is wrong; another input would succeed.
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kOutOfRange:
    // An upload over the server's cap (or a full work queue, which its message says).
    case absl::StatusCode::kResourceExhausted:
      return kExitBadInput;
    // Nothing wrong with the request; the server was not there to answer it in time.
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kExitUnavailable;
    default:
      return kExitInternal;
  }
}

int Finish(const absl::Status& status) {
  if (!status.ok()) {
    // One line: some causes carry a TorchScript traceback that would bury the message.
    const std::string message(status.message());
    std::cerr << "infip: error: " << message.substr(0, message.find('\n')) << std::endl;
  }
  return ExitCodeFor(status);
}

}  // namespace infip::cli
