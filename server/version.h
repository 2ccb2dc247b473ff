// The release of infip-server (the project's version from CMake), e.g. "0.1.0"; what
// --version, ServerInfo.version and infip_build_info report. Verdicts record the engine's
// version (infip/common/version.h) instead, which changes only when fingerprints could.
#pragma once

#include <string_view>

namespace infip::server {

[[nodiscard]] std::string_view ServerVersion();

}  // namespace infip::server
