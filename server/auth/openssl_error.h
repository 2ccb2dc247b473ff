// The oldest error on OpenSSL's error queue, as text for a message ("no details" when the
// queue is empty); the queue is cleared, so that the next call starts afresh.
#pragma once

#include <string>

namespace infip::server::auth {

[[nodiscard]] std::string OpenSslError();

}  // namespace infip::server::auth
