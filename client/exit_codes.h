// The exit codes of the infip CLI, part of its documented interface (docs/cli.md, README.md):
//
//   0  success (compare, and verify without --fail-on-pirated, whatever the decision)
//   1  internal error (of infip or of the server)
//   2  usage error (unknown flag, missing or malformed argument)
//   3  bad input: a model, key set, fingerprint file, handle or id that cannot be used as given
//      (locally, or as the server judged it: INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION,
//      UNIMPLEMENTED, PERMISSION_DENIED for a handle or a model, OUT_OF_RANGE,
//      RESOURCE_EXHAUSTED)
//   4  the server is unreachable or unavailable, or did not answer in time (UNAVAILABLE,
//      DEADLINE_EXCEEDED, a failed TLS handshake): the same command may succeed later
//   5  verify --fail-on-pirated: the verification completed and its verdict is PIRATED
//   6  not allowed: the server refused the caller's credentials (UNAUTHENTICATED) or its
//      access policy refused the call (PERMISSION_DENIED for a role or another owner's data)
//
//   if (!status.ok()) return Finish(status);  // prints "infip: error: ..." and maps the code
#pragma once

#include "absl/status/status.h"

namespace infip::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitBadInput = 3,
  kExitUnavailable = 4,
  kExitPirated = 5,
  kExitNotAllowed = 6,
};

// Marks a status as the server's refusal of the caller: ExitCodeFor gives it kExitNotAllowed.
[[nodiscard]] absl::Status MarkNotAllowed(absl::Status status);

// Maps a command's status to its exit code.
[[nodiscard]] ExitCode ExitCodeFor(const absl::Status& status);

// Prints "infip: error: <message>" to stderr for a failed status and returns its exit code.
int Finish(const absl::Status& status);

}  // namespace infip::cli
