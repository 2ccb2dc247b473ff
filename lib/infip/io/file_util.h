// File helpers shared by the io readers and writers: statuses that name the path, sequential
// reads, and writes that never leave half a file behind.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace infip::io {

// A regular file opened for sequential reading. Owns the FILE handle.
class InputFile {
 public:
  // NOT_FOUND for a missing path, INVALID_ARGUMENT for a directory or other non-file, the
  // errno status (e.g. PERMISSION_DENIED) when the open fails; each names the path.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<InputFile>> Open(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Reads up to n bytes into dst; fewer only at the end of the file.
  [[nodiscard]] absl::StatusOr<size_t> Read(char* dst, size_t n);
  [[nodiscard]] int64_t size() const { return size_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  InputFile(std::FILE* file, std::string path, int64_t size)
      : file_(file), path_(std::move(path)), size_(size) {}

  std::FILE* file_;
  std::string path_;
  int64_t size_;  // at open time
};

// The whole of a regular file; INVALID_ARGUMENT when it is larger than max_bytes.
[[nodiscard]] absl::StatusOr<std::string> ReadWholeFile(const std::string& path, int64_t max_bytes);

// Writes bytes to a temporary file beside path, then renames it over path, so that a reader
// (or a crash) never sees a half-written file.
[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path, std::string_view bytes);
// The same for bytes in several pieces, written in order (a header and a tensor's storage).
[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path,
                                               absl::Span<const std::string_view> pieces);

}  // namespace infip::io
