// Where a model's bytes land: a private temp file that is hashed (SHA-256) and size-capped as
// the bytes stream in. A gRPC upload appends each chunk it receives; a remote fetch appends
// what libcurl or the local copy hands it. The first byte past the cap fails the sink at
// once (RESOURCE_EXHAUSTED naming the cap) and deletes what was written, so an oversize
// upload never fills the disk.
//
//   INFIP_ASSIGN_OR_RETURN(auto sink, UploadSink::Create(temp_dir, 2LL << 30));
//   while (reader->Read(&chunk)) INFIP_RETURN_IF_ERROR(sink->Append(chunk.data()));
//   INFIP_ASSIGN_OR_RETURN(StagedFile model, sink->Finish());
//
// The file is created with mode 0600 under a unique name in the given directory. Until
// Finish() hands it to a StagedFile, the sink owns it: Abort() or the destructor deletes it.
// One sink serves one stream; it is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "infip/fetch/staged_file.h"
#include "infip/io/sha256.h"

namespace infip::fetch {

class UploadSink {
 public:
  // INVALID_ARGUMENT for max_bytes < 0; the errno status naming dir when the file cannot be
  // created there (e.g. NOT_FOUND, PERMISSION_DENIED).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<UploadSink>> Create(const std::string& dir,
                                                                          int64_t max_bytes);
  ~UploadSink();
  UploadSink(const UploadSink&) = delete;
  UploadSink& operator=(const UploadSink&) = delete;

  // Writes the chunk and hashes it. RESOURCE_EXHAUSTED naming the cap when the total would
  // pass max_bytes; the errno status on a failed write. Either error deletes the file, and
  // so does every later call: once failed, Append and Finish return the first error again.
  [[nodiscard]] absl::Status Append(std::string_view chunk);

  // Closes the file and hands it over. FAILED_PRECONDITION after Abort() or Finish().
  [[nodiscard]] absl::StatusOr<StagedFile> Finish();

  // Deletes the file; later calls return CANCELLED. Safe to call more than once.
  void Abort();

  // Bytes accepted so far.
  [[nodiscard]] int64_t size() const { return size_; }
  [[nodiscard]] int64_t max_bytes() const { return max_bytes_; }
  // The temp file's path while the sink owns it.
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  UploadSink(int fd, std::string path, int64_t max_bytes)
      : fd_(fd), path_(std::move(path)), max_bytes_(max_bytes) {}

  // Closes and deletes the file and remembers why, so later calls report the same cause.
  absl::Status Fail(absl::Status why);
  void CloseAndRemove();

  int fd_;            // -1 once closed
  std::string path_;  // empty once deleted or handed over
  const int64_t max_bytes_;
  int64_t size_ = 0;
  io::Sha256 hash_;
  absl::Status failure_;  // OK while the sink can take bytes
};

}  // namespace infip::fetch
