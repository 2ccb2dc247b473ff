#include "infip/confine/descriptors.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace infip::confine {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {

absl::Status ErrnoStatus(int error, absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(error)));
}

// The open descriptors, from /proc/self/fd; the listing's own descriptor is left out.
absl::StatusOr<std::vector<int>> OpenDescriptors() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return ErrnoStatus(errno, "opendir /proc/self/fd");
  std::vector<int> fds;
  while (const dirent* entry = ::readdir(dir)) {
    int fd = -1;
    if (absl::SimpleAtoi(entry->d_name, &fd) && fd != ::dirfd(dir)) fds.push_back(fd);
  }
  ::closedir(dir);
  return fds;
}

absl::Status CloseByLoop(const std::vector<int>& keep) {
  absl::StatusOr<std::vector<int>> fds = OpenDescriptors();
  if (!fds.ok()) return fds.status();
  for (const int fd : *fds) {
    if (std::binary_search(keep.begin(), keep.end(), fd)) continue;
    // EBADF is fine (closed meanwhile); EINTR still closes it on Linux.
    if (::close(fd) != 0 && errno != EBADF && errno != EINTR) {
      return ErrnoStatus(errno, absl::StrCat("close ", fd));
    }
  }
  return absl::OkStatus();
}

// One close_range per gap between kept descriptors. ENOSYS (kernel < 5.9, or a seccomp
// profile that refuses it) is reported back so the caller can fall back to the loop.
int CloseByRange(const std::vector<int>& keep) {
  unsigned int first = 0;
  for (const int fd : keep) {
    const auto kept = static_cast<unsigned int>(fd);
    if (kept > first && ::close_range(first, kept - 1, 0) != 0) return errno;
    first = kept + 1;
  }
  if (::close_range(first, ~0U, 0) != 0) return errno;
  return 0;
}

}  // namespace

absl::Status CloseDescriptorsExcept(std::vector<int> keep, CloseMethod method) {
  for (const int fd : keep) {
    if (fd < 0) return absl::InvalidArgumentError(absl::StrCat("keep_fds holds ", fd));
  }
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  if (method == CloseMethod::kCloseRange) {
    const int error = CloseByRange(keep);
    if (error == 0) return absl::OkStatus();
    if (error != ENOSYS) return ErrnoStatus(error, "close_range");
  }
  return CloseByLoop(keep);
}

}  // namespace infip::confine
