#include "client/exit_codes.h"

#include <iostream>
#include <string>

namespace infip::cli {

ExitCode ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
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
