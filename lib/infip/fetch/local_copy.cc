#include "infip/fetch/local_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace infip::fetch {
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// The path the kernel opened, where /proc can tell; empty otherwise.
std::string OpenedPath(int fd) {
  const std::string link = absl::StrCat("/proc/self/fd/", fd);
  std::vector<char> target(4096);
  const ssize_t n = ::readlink(link.c_str(), target.data(), target.size());
  if (n <= 0 || static_cast<size_t>(n) >= target.size()) return "";
  return std::string(target.data(), static_cast<size_t>(n));
}

}  // namespace

absl::Status CopyLocalFile(const HandleAuthorizer& authorizer, const RemoteHandle& handle,
                           const FetchControl& control, absl::Time stop, UploadSink& sink) {
  // O_NONBLOCK: a FIFO swapped in for the file must not hang the open.
  FileDescriptor fd(::open(handle.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ELOOP) {
      return absl::PermissionDeniedError(
          absl::StrCat("remote handle '", handle.display, "' refused: it became a symbolic link"));
    }
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no such file: ", handle.display));
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", handle.display));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot stat ", handle.display));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("remote handle '", handle.display, "' is not a regular file"));
  }
  if (const std::string opened = OpenedPath(fd.get());
      !opened.empty() && !authorizer.IsInsideRoot(opened)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "remote handle '", handle.display, "' refused: it moved outside the allowed roots"));
  }
  std::vector<char> buffer(kChunkBytes);
  while (true) {
    if (control.IsCancelled()) {
      return absl::CancelledError(absl::StrCat("fetch of ", handle.display, " cancelled"));
    }
    if (absl::Now() >= stop) {
      return absl::DeadlineExceededError(
          absl::StrCat("fetch of ", handle.display, " ran past its deadline"));
    }
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", handle.display));
    }
    if (n == 0) return absl::OkStatus();
    if (absl::Status s = sink.Append(std::string_view(buffer.data(), static_cast<size_t>(n)));
        !s.ok()) {
      return s;
    }
  }
}

}  // namespace infip::fetch
