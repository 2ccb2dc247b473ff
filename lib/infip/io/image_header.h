// Image dimensions read from the first bytes of a PNG or JPEG file, so that a small file that
// claims a huge image (a decompression bomb) is refused before OpenCV allocates for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace infip::io {

struct ImageSize {
  int64_t width = 0;
  int64_t height = 0;
};

// The size a PNG (IHDR) or JPEG (first SOF marker) header declares; nullopt for other formats
// or a header too damaged to read (the decoder then reports the damage itself).
[[nodiscard]] std::optional<ImageSize> PeekImageSize(std::string_view bytes);

}  // namespace infip::io
