// CRC-32 (IEEE 802.3, the zlib / PNG polynomial), for the .infip file trailer.
#pragma once

#include <cstdint>
#include <string_view>

namespace infip::fingerprint {

[[nodiscard]] uint32_t Crc32(std::string_view bytes, uint32_t crc = 0);

}  // namespace infip::fingerprint
