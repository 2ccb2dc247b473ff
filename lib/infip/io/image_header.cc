#include "infip/io/image_header.h"

namespace infip::io {
namespace {

uint32_t BigEndian(std::string_view bytes, size_t at, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

std::optional<ImageSize> PeekPng(std::string_view bytes) {
  // Signature (8), then the IHDR chunk: length (4), "IHDR", width (4), height (4).
  if (bytes.size() < 24 || bytes.substr(12, 4) != "IHDR") return std::nullopt;
  return ImageSize{BigEndian(bytes, 16, 4), BigEndian(bytes, 20, 4)};
}

std::optional<ImageSize> PeekJpeg(std::string_view bytes) {
  size_t at = 2;  // after SOI
  while (at + 4 <= bytes.size()) {
    if (static_cast<unsigned char>(bytes[at]) != 0xff) return std::nullopt;
    const unsigned marker = static_cast<unsigned char>(bytes[at + 1]);
    if (marker == 0xff) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {  // no payload
      at += 2;
      continue;
    }
    if (marker == 0xda || marker == 0xd9) return std::nullopt;  // scan or end before a frame
    const size_t length = BigEndian(bytes, at + 2, 2);
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames.
    const bool frame =
        marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (frame) {
      if (at + 9 > bytes.size()) return std::nullopt;
      return ImageSize{BigEndian(bytes, at + 7, 2), BigEndian(bytes, at + 5, 2)};
    }
    if (length < 2) return std::nullopt;
    at += 2 + length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageSize> PeekImageSize(std::string_view bytes) {
  if (bytes.starts_with("\x89PNG\r\n\x1a\n")) return PeekPng(bytes);
  if (bytes.starts_with("\xff\xd8")) return PeekJpeg(bytes);
  return std::nullopt;
}

}  // namespace infip::io
