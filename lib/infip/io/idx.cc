#include "infip/io/idx.h"

#include <array>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/io/byte_source.h"
#include "infip/io/limits.h"

namespace infip::io {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension

uint32_t BigEndian(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

absl::StatusOr<torch::Tensor> ReadIdx(const std::string& path) {
  const auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
  };
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, ByteSource::Open(path));

  std::array<unsigned char, 4> magic_bytes{};
  INFIP_ASSIGN_OR_RETURN(size_t got, source->Read(reinterpret_cast<char*>(magic_bytes.data()), 4));
  if (got < 4) return invalid("too short for an IDX header");
  const uint32_t magic = BigEndian(magic_bytes.data());
  if (magic != kImagesMagic && magic != kLabelsMagic) {
    return invalid(absl::StrFormat(
        "bad IDX magic 0x%08x; expected 0x%08x (unsigned-byte images) or 0x%08x (labels)", magic,
        kImagesMagic, kLabelsMagic));
  }

  const int rank = magic_bytes[3];
  std::vector<unsigned char> dim_bytes(4 * rank);
  INFIP_ASSIGN_OR_RETURN(got,
                         source->Read(reinterpret_cast<char*>(dim_bytes.data()), dim_bytes.size()));
  if (got < dim_bytes.size()) return invalid("file ends inside the IDX header");
  std::vector<int64_t> dims;
  // Overflow-safe: each dimension is below 2^32 and the running product stays at or below
  // kMaxArrayBytes, checked before anything is allocated.
  int64_t total = 1;
  for (int i = 0; i < rank; ++i) {
    dims.push_back(BigEndian(&dim_bytes[4 * i]));
    if (i > 0 && dims.back() == 0) return invalid("an image dimension is 0");
    if (dims.back() != 0 && total > kMaxArrayBytes / dims.back()) {
      return invalid(absl::StrCat("dimensions ", absl::StrJoin(dims, "x"),
                                  "... exceed the limit of ", kMaxArrayBytes, " bytes"));
    }
    total *= dims.back();
  }

  std::vector<int64_t> shape = dims;
  if (rank == 3) shape = {dims[0], 1, dims[1], dims[2]};
  INFIP_ASSIGN_OR_RETURN(torch::Tensor out, CatchTorch(
                                                "allocating the IDX array",
                                                [&] { return torch::empty(shape, torch::kUInt8); },
                                                absl::StatusCode::kResourceExhausted));
  INFIP_ASSIGN_OR_RETURN(
      got, source->Read(static_cast<char*>(out.data_ptr()), static_cast<size_t>(total)));
  if (got < static_cast<size_t>(total)) {
    return invalid(absl::StrCat("truncated: the header (", absl::StrJoin(dims, "x"), ") promises ",
                                total, " data bytes, the file has ", got));
  }
  // Reading past the end also makes a gzip stream check its CRC and length trailer.
  char extra = 0;
  INFIP_ASSIGN_OR_RETURN(got, source->Read(&extra, 1));
  if (got != 0) return invalid("trailing bytes after the data the header describes");
  return out;
}

}  // namespace infip::io
