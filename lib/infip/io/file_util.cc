#include "infip/io/file_util.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace infip::io {
namespace {

absl::Status PathError(int err, absl::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(err, absl::StrCat(what, " ", path));
}

}  // namespace

absl::StatusOr<std::unique_ptr<InputFile>> InputFile::Open(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return PathError(ec.value(), "cannot open", path);
    }
    return absl::NotFoundError(absl::StrCat("no such file: ", path));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return absl::InvalidArgumentError(absl::StrCat("not a regular file: ", path));
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return PathError(ec.value(), "cannot stat", path);
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return PathError(errno, "cannot open", path);
  return std::unique_ptr<InputFile>(new InputFile(file, path, static_cast<int64_t>(size)));
}

InputFile::~InputFile() { std::fclose(file_); }

absl::StatusOr<size_t> InputFile::Read(char* dst, size_t n) {
  const size_t got = std::fread(dst, 1, n, file_);
  if (got < n && std::ferror(file_)) return PathError(errno, "cannot read", path_);
  return got;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path, int64_t max_bytes) {
  auto file = InputFile::Open(path);
  if (!file.ok()) return file.status();
  if ((*file)->size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is ", (*file)->size(), " bytes; the limit is ", max_bytes));
  }
  std::string bytes(static_cast<size_t>((*file)->size()), '\0');
  auto got = (*file)->Read(bytes.data(), bytes.size());
  if (!got.ok()) return got.status();
  // A file that shrank while being read is read as what was there.
  bytes.resize(*got);
  return bytes;
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  return WriteFileAtomically(path, absl::Span<const std::string_view>(&bytes, 1));
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::Span<const std::string_view> pieces) {
  // Unique per process and call, so that concurrent writers of one path never share a temp.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid(), ".", counter++);
  std::FILE* file = std::fopen(tmp.c_str(), "wbx");
  if (file == nullptr) return PathError(errno, "cannot create", tmp);
  bool written = true;
  for (std::string_view piece : pieces) {
    written = written && std::fwrite(piece.data(), 1, piece.size(), file) == piece.size();
  }
  // Flushed to disk before the rename, so that a crash leaves the old file or the new one.
  written = written && std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  const int write_errno = errno;
  if (std::fclose(file) != 0 || !written) {
    const int err = written ? errno : write_errno;
    std::remove(tmp.c_str());
    return PathError(err, "cannot write", tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return PathError(err, "cannot rename onto", path);
  }
  return absl::OkStatus();
}

}  // namespace infip::io
