#include "server/version.h"

#ifndef INFIP_SERVER_VERSION
#error "INFIP_SERVER_VERSION must be defined by the build (server/CMakeLists.txt)"
#endif

namespace infip::server {

std::string_view ServerVersion() { return INFIP_SERVER_VERSION; }

}  // namespace infip::server
