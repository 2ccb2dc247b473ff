// A sequential byte stream from a file that may be gzip-compressed: gzip is recognised by its
// magic bytes (1f 8b), not by the file name, and inflated on the fly with zlib, so that a
// reader can check a header before it decides how much to allocate (a gzip bomb is stopped
// by the caller's size check, not by inflating it whole).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace infip::io {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Opens path as plain bytes, or as inflated gzip data when it starts with 1f 8b. Errors as
  // InputFile::Open.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ByteSource>> Open(const std::string& path);

  // Reads up to n bytes; fewer only at the end of the stream. INVALID_ARGUMENT names a corrupt
  // or truncated gzip stream (a gzip stream is only complete once its CRC has been checked).
  [[nodiscard]] virtual absl::StatusOr<size_t> Read(char* dst, size_t n) = 0;

  [[nodiscard]] virtual bool compressed() const = 0;
};

}  // namespace infip::io
