// An optional SHA-256 pin on a remote handle: the digest the caller expects the fetched model
// to have, checked once the whole file has arrived, so that a handle cannot be swapped for
// another model between the time an auditor names it and the time the server reads it.
//
//   INFIP_ASSIGN_OR_RETURN(std::string pin, ParseSha256Pin(request.sha256()));
//   ... fetch ...
//   INFIP_RETURN_IF_ERROR(CheckSha256Pin(pin, file.sha256(), handle.display));
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace infip::fetch {

// "" for no pin; otherwise exactly 64 hex digits (either case), returned lowercase.
// INVALID_ARGUMENT naming what is wrong otherwise.
[[nodiscard]] absl::StatusOr<std::string> ParseSha256Pin(std::string_view pin);

// OK when pin is empty or equals actual (both lowercase hex). FAILED_PRECONDITION naming both
// digests and the handle otherwise.
[[nodiscard]] absl::Status CheckSha256Pin(std::string_view pin, std::string_view actual,
                                          std::string_view handle_display);

}  // namespace infip::fetch
