#include "infip/fetch/upload_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace infip::fetch {
namespace {

constexpr char kNamePattern[] = "infip-model-XXXXXX";

}  // namespace

absl::StatusOr<std::unique_ptr<UploadSink>> UploadSink::Create(const std::string& dir,
                                                               int64_t max_bytes) {
  if (max_bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat("byte cap must be >= 0, not ", max_bytes));
  }
  if (dir.empty()) return absl::InvalidArgumentError("no temp directory given for uploads");
  std::string path = absl::StrCat(dir, dir.back() == '/' ? "" : "/", kNamePattern);
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  // mkostemp creates the file exclusively with mode 0600 (less any umask bits).
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot create a temp file in ", dir));
  }
  path.assign(name.data());
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return absl::ErrnoToStatus(err, absl::StrCat("cannot set mode 0600 on ", path));
  }
  return std::unique_ptr<UploadSink>(new UploadSink(fd, std::move(path), max_bytes));
}

UploadSink::~UploadSink() { CloseAndRemove(); }

absl::Status UploadSink::Append(std::string_view chunk) {
  if (!failure_.ok()) return failure_;
  if (fd_ < 0) return absl::FailedPreconditionError("upload already finished");
  if (static_cast<int64_t>(chunk.size()) > max_bytes_ - size_) {
    return Fail(absl::ResourceExhaustedError(
        absl::StrCat("model exceeds the cap of ", max_bytes_, " bytes (",
                     size_ + static_cast<int64_t>(chunk.size()), " bytes received so far)")));
  }
  const char* p = chunk.data();
  size_t left = chunk.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(absl::ErrnoToStatus(errno, absl::StrCat("cannot write ", path_)));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  hash_.Update(chunk);
  size_ += static_cast<int64_t>(chunk.size());
  return absl::OkStatus();
}

absl::StatusOr<StagedFile> UploadSink::Finish() {
  if (!failure_.ok()) return failure_;
  if (fd_ < 0) return absl::FailedPreconditionError("upload already finished");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    return Fail(absl::ErrnoToStatus(errno, absl::StrCat("cannot close ", path_)));
  }
  StagedFile file(std::exchange(path_, {}), size_, hash_.HexDigest());
  return file;
}

void UploadSink::Abort() {
  if (failure_.ok()) failure_ = absl::CancelledError("upload aborted");
  CloseAndRemove();
}

absl::Status UploadSink::Fail(absl::Status why) {
  failure_ = why;
  CloseAndRemove();
  return why;
}

void UploadSink::CloseAndRemove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

}  // namespace infip::fetch
