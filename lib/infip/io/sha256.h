// SHA-256 through OpenSSL 3, as lowercase hex.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infip::io {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view bytes);
  // Finalises and returns the digest, then starts a fresh hash.
  [[nodiscard]] std::string HexDigest();

 private:
  void* ctx_;  // EVP_MD_CTX*
};

[[nodiscard]] std::string Sha256Hex(std::string_view bytes);
// NOT_FOUND / INVALID_ARGUMENT name the path.
[[nodiscard]] absl::StatusOr<std::string> Sha256File(const std::string& path);

}  // namespace infip::io
