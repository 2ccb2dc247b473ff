// Size limits that keep hostile or mistaken inputs from exhausting memory. Every reader checks
// the size a header promises against these before it allocates anything.
#pragma once

#include <cstdint>

namespace infip::io {

// Largest array (IDX, NPY, a whole float32 key batch) the io module will allocate.
inline constexpr int64_t kMaxArrayBytes = int64_t{4} << 30;
// Largest encoded image file read from a key directory.
inline constexpr int64_t kMaxImageFileBytes = int64_t{256} << 20;
// Largest decoded key image (pixels), checked from the file header before decoding.
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 26;
// Largest resize target side.
inline constexpr int kMaxResizeSide = 8192;

}  // namespace infip::io
