// The exit codes of the infip CLI, part of its documented interface (README.md):
//
//   0  success (compare succeeds whatever its decision; the decision is in its output)
//   1  internal error
//   2  usage error (unknown flag, missing or malformed argument)
//   3  bad input: a model, key set or fingerprint file that cannot be used as given
#pragma once

#include "absl/status/status.h"

namespace infip::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitBadInput = 3,
};

// Maps a command's status to its exit code.
[[nodiscard]] ExitCode ExitCodeFor(const absl::Status& status);

// Prints "infip: error: <message>" to stderr for a failed status and returns its exit code.
int Finish(const absl::Status& status);

}  // namespace infip::cli
