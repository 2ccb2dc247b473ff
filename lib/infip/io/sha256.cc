#include "infip/io/sha256.h"

#include <cstdlib>
#include <vector>

#include <openssl/evp.h>

#include "infip/common/status_macros.h"
#include "infip/io/file_util.h"

namespace infip::io {
namespace {

EVP_MD_CTX* Ctx(void* ctx) { return static_cast<EVP_MD_CTX*>(ctx); }

// SHA-256 cannot fail on valid arguments; a failure here means OpenSSL itself is unusable
// (out of memory, a broken provider), and a wrong digest would be worse than stopping.
void CheckOpenSsl(int rc) {
  if (rc != 1) std::abort();
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) std::abort();
  CheckOpenSsl(EVP_DigestInit_ex(Ctx(ctx_), EVP_sha256(), nullptr));
}

Sha256::~Sha256() { EVP_MD_CTX_free(Ctx(ctx_)); }

void Sha256::Update(std::string_view bytes) {
  CheckOpenSsl(EVP_DigestUpdate(Ctx(ctx_), bytes.data(), bytes.size()));
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CheckOpenSsl(EVP_DigestFinal_ex(Ctx(ctx_), digest, &length));
  // Start over so that the object stays usable rather than in OpenSSL's finalised state.
  CheckOpenSsl(EVP_DigestInit_ex(Ctx(ctx_), EVP_sha256(), nullptr));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 sha;
  sha.Update(bytes);
  return sha.HexDigest();
}

absl::StatusOr<std::string> Sha256File(const std::string& path) {
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  Sha256 sha;
  std::vector<char> buffer(size_t{1} << 20);
  while (true) {
    INFIP_ASSIGN_OR_RETURN(size_t got, file->Read(buffer.data(), buffer.size()));
    if (got == 0) break;
    sha.Update(std::string_view(buffer.data(), got));
  }
  return sha.HexDigest();
}

}  // namespace infip::io
