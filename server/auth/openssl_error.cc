#include "server/auth/openssl_error.h"

#include <openssl/err.h>

namespace infip::server::auth {

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no details";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

}  // namespace infip::server::auth
