// A model file staged in the server's temp directory: its path, size and SHA-256, and the
// duty to delete it. Uploads (UploadSink::Finish) and fetches (Fetcher::Fetch) both end in
// one, so a request that fails or returns early never leaves a model on disk.
//
//   INFIP_ASSIGN_OR_RETURN(StagedFile file, sink->Finish());
//   INFIP_ASSIGN_OR_RETURN(auto model, LoadModel(file.path()));
//   // file is removed when it goes out of scope
//
// Move-only. Release() hands the file to the caller, who then deletes it.
#pragma once

#include <cstdint>
#include <string>

namespace infip::fetch {

class StagedFile {
 public:
  // Takes ownership of the file at path (deleted by the destructor).
  StagedFile(std::string path, int64_t size, std::string sha256);
  ~StagedFile();
  StagedFile(StagedFile&& other) noexcept;
  StagedFile& operator=(StagedFile&& other) noexcept;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  // Empty after Release() or a move.
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] int64_t size() const { return size_; }
  // Lowercase hex.
  [[nodiscard]] const std::string& sha256() const { return sha256_; }

  // Stops owning the file and returns its path; the caller must delete it.
  [[nodiscard]] std::string Release();

 private:
  void Remove();

  std::string path_;
  int64_t size_ = 0;
  std::string sha256_;
};

}  // namespace infip::fetch
