#include "infip/io/byte_source.h"

#include <algorithm>
#include <climits>
#include <vector>

#include <zlib.h>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/io/file_util.h"

namespace infip::io {
namespace {

class PlainSource final : public ByteSource {
 public:
  explicit PlainSource(std::unique_ptr<InputFile> file) : file_(std::move(file)) {}
  absl::StatusOr<size_t> Read(char* dst, size_t n) override { return file_->Read(dst, n); }
  bool compressed() const override { return false; }

 private:
  std::unique_ptr<InputFile> file_;
};

class GzipSource final : public ByteSource {
 public:
  static absl::StatusOr<std::unique_ptr<ByteSource>> Create(std::unique_ptr<InputFile> file) {
    auto source = std::unique_ptr<GzipSource>(new GzipSource(std::move(file)));
    // 16 + MAX_WBITS: expect a gzip header and trailer, not a raw zlib stream.
    if (inflateInit2(&source->stream_, 16 + MAX_WBITS) != Z_OK) {
      return absl::ResourceExhaustedError("cannot initialise zlib");
    }
    source->initialised_ = true;
    return std::unique_ptr<ByteSource>(std::move(source));
  }
  ~GzipSource() override {
    if (initialised_) inflateEnd(&stream_);
  }
  bool compressed() const override { return true; }

  absl::StatusOr<size_t> Read(char* dst, size_t n) override {
    size_t produced = 0;
    while (produced < n && !finished_) {
      if (stream_.avail_in == 0) {
        INFIP_ASSIGN_OR_RETURN(size_t got, file_->Read(input_.data(), input_.size()));
        if (got == 0) {
          return absl::InvalidArgumentError(absl::StrCat(file_->path(), ": truncated gzip stream"));
        }
        stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
        stream_.avail_in = static_cast<uInt>(got);
      }
      const size_t chunk = std::min<size_t>(n - produced, UINT_MAX);
      stream_.next_out = reinterpret_cast<Bytef*>(dst + produced);
      stream_.avail_out = static_cast<uInt>(chunk);
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      produced += chunk - stream_.avail_out;
      if (rc == Z_STREAM_END) {
        INFIP_RETURN_IF_ERROR(NextMember());
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return absl::InvalidArgumentError(
            absl::StrCat(file_->path(), ": corrupt gzip data (",
                         stream_.msg != nullptr ? stream_.msg : zError(rc), ")"));
      }
    }
    return produced;
  }

 private:
  explicit GzipSource(std::unique_ptr<InputFile> file)
      : file_(std::move(file)), input_(kInputChunk) {}

  // After one gzip member ends, the file may hold another (as `cat a.gz b.gz` makes, and as
  // gunzip accepts) or nothing more.
  absl::Status NextMember() {
    if (stream_.avail_in == 0) {
      INFIP_ASSIGN_OR_RETURN(size_t got, file_->Read(input_.data(), input_.size()));
      if (got == 0) {
        finished_ = true;
        return absl::OkStatus();
      }
      stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
      stream_.avail_in = static_cast<uInt>(got);
    }
    if (inflateReset(&stream_) != Z_OK) {
      return absl::InternalError(absl::StrCat(file_->path(), ": cannot reset zlib"));
    }
    return absl::OkStatus();
  }

  static constexpr size_t kInputChunk = size_t{1} << 16;
  std::unique_ptr<InputFile> file_;
  std::vector<char> input_;
  z_stream stream_{};
  bool initialised_ = false;
  bool finished_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ByteSource>> ByteSource::Open(const std::string& path) {
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  unsigned char magic[2] = {0, 0};
  INFIP_ASSIGN_OR_RETURN(size_t got, file->Read(reinterpret_cast<char*>(magic), 2));
  // Reopen rather than seek back: InputFile is a sequential reader.
  INFIP_ASSIGN_OR_RETURN(file, InputFile::Open(path));
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) return GzipSource::Create(std::move(file));
  return std::unique_ptr<ByteSource>(new PlainSource(std::move(file)));
}

}  // namespace infip::io
