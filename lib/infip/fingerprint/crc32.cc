#include "infip/fingerprint/crc32.h"

#include <array>

namespace infip::fingerprint {
namespace {

// Reflected polynomial 0xEDB88320; the table is built once at compile time.
constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();

}  // namespace

// `crc` is the value returned for the preceding bytes (0 to start), as zlib's crc32(), so a
// stream can be checksummed in pieces.
uint32_t Crc32(std::string_view bytes, uint32_t crc) {
  crc = ~crc;
  for (const char ch : bytes) {
    crc = kTable[(crc ^ static_cast<uint8_t>(ch)) & 0xFFu] ^ (crc >> 8);
  }
  return ~crc;
}

}  // namespace infip::fingerprint
