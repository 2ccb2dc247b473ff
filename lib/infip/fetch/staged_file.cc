#include "infip/fetch/staged_file.h"

#include <unistd.h>

#include <utility>

namespace infip::fetch {

StagedFile::StagedFile(std::string path, int64_t size, std::string sha256)
    : path_(std::move(path)), size_(size), sha256_(std::move(sha256)) {}

StagedFile::~StagedFile() { Remove(); }

StagedFile::StagedFile(StagedFile&& other) noexcept
    : path_(std::exchange(other.path_, {})),
      size_(other.size_),
      sha256_(std::exchange(other.sha256_, {})) {}

StagedFile& StagedFile::operator=(StagedFile&& other) noexcept {
  if (this != &other) {
    Remove();
    path_ = std::exchange(other.path_, {});
    size_ = other.size_;
    sha256_ = std::exchange(other.sha256_, {});
  }
  return *this;
}

std::string StagedFile::Release() { return std::exchange(path_, {}); }

void StagedFile::Remove() {
  // A file that is already gone is what we wanted; there is nobody to report other errors to.
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

}  // namespace infip::fetch
