#include "infip/verdict/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace infip::verdict::internal {
namespace {

constexpr off_t kMaxKeyFileBytes = 64 * 1024;

absl::Status FileError(int error, const std::string& doing, const std::string& path) {
  return absl::ErrnoToStatus(error, absl::StrCat(doing, " signing key file ", path));
}

class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  // close() reports write-back errors on some file systems; they matter for a key.
  [[nodiscard]] int Close() {
    const int rc = close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Removes the temporary file on every path out of CreateKeyFile.
class ScopedUnlink {
 public:
  explicit ScopedUnlink(std::string path) : path_(std::move(path)) {}
  ~ScopedUnlink() { unlink(path_.c_str()); }
  ScopedUnlink(const ScopedUnlink&) = delete;
  ScopedUnlink& operator=(const ScopedUnlink&) = delete;

 private:
  std::string path_;
};

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

absl::Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return FileError(errno, "cannot write", path);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<std::string>> ReadKeyFile(const std::string& path) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    return FileError(errno, "cannot open", path);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return FileError(errno, "cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing key file ", path, ": not a regular file"));
  }
  if (st.st_size > kMaxKeyFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat("signing key file ", path, ": ", st.st_size,
                                                   " bytes is too large for a PEM key"));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    spdlog::warn(
        "signing key file {} is accessible by group or others (mode {:04o}); "
        "chmod 600 it",
        path, st.st_mode & 07777);
  }
  std::string pem(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < pem.size()) {
    const ssize_t n = read(fd.get(), pem.data() + done, pem.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError(errno, "cannot read", path);
    if (n == 0) break;  // shrank since fstat
    done += static_cast<size_t>(n);
  }
  pem.resize(done);
  return pem;
}

absl::StatusOr<std::string> CreateKeyFile(const std::string& path, std::string_view pem) {
  std::string temp = path + ".tmp.XXXXXX";
  ScopedFd fd(mkstemp(temp.data()));  // mode 0600 whatever the umask
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("cannot create signing key file ", path,
                                              ": directory ", DirectoryOf(path),
                                              " does not exist"));
    }
    return FileError(errno, "cannot create", path);
  }
  ScopedUnlink remove_temp(temp);
  if (fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0) return FileError(errno, "cannot chmod", path);
  if (absl::Status s = WriteAll(fd.get(), pem, path); !s.ok()) return s;
  if (fsync(fd.get()) != 0 || fd.Close() != 0) return FileError(errno, "cannot write", path);

  // link() fails when the path exists: a replica that started at the same moment won, and its
  // key is the one to use. Where hard links are not supported, rename() (which would replace
  // such a key) is the fallback.
  if (link(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    if (error == EEXIST) {
      absl::StatusOr<std::optional<std::string>> theirs = ReadKeyFile(path);
      if (!theirs.ok()) return theirs.status();
      if (!theirs->has_value()) return FileError(ENOENT, "cannot create", path);
      spdlog::info("signing key file {} appeared while creating it; using that one", path);
      return **theirs;
    }
    if (rename(temp.c_str(), path.c_str()) != 0) {
      return FileError(errno, "cannot create", path);
    }
  }
  // Make the new directory entry durable before anything is signed with the key.
  ScopedFd dir(open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) fsync(dir.get());
  return std::string(pem);
}

}  // namespace infip::verdict::internal
