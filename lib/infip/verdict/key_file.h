// The signing key file on disk: reading it with its permissions checked, and creating it
// exactly once with mode 0600. Internal to infip/verdict (signer.h).
//
//   INFIP_ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadKeyFile(path));
//   if (!pem) INFIP_ASSIGN_OR_RETURN(pem, CreateKeyFile(path, new_pem));
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infip::verdict::internal {

// The file's contents; nullopt when nothing exists at `path`. Warns (spdlog) when group or
// others have any access to it. Errors name the path.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> ReadKeyFile(const std::string& path);

// Writes `pem` to `path` with mode 0600 unless a file appeared there meanwhile, and returns
// the contents of whatever file is at `path` afterwards (ours, or another process's).
[[nodiscard]] absl::StatusOr<std::string> CreateKeyFile(const std::string& path,
                                                        std::string_view pem);

}  // namespace infip::verdict::internal
