#include "client/exit_codes.h"

#include <iostream>

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
      return kExitBadInput;
    default:
      return kExitInternal;
  }
}

int Finish(const absl::Status& status) {
  if (!status.ok()) {
    std::cerr << "infip: error: " << status.message() << std::endl;
  }
  return ExitCodeFor(status);
}

}  // namespace infip::cli
