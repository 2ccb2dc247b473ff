#include "infip/io/npy.h"

#include <bit>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/io/file_util.h"
#include "infip/io/limits.h"
#include "infip/io/npy_header.h"

namespace infip::io {
namespace {

static_assert(std::endian::native == std::endian::little,
              "npy.cc copies little-endian data as it is");

absl::Status InvalidNpy(absl::string_view source, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", why));
}

// Copies `header.data_bytes` bytes of file data into a new tensor, converting float64 to
// float32 element by element.
void DecodeInto(const NpyHeader& header, const char* src, size_t n_bytes, char* dst) {
  if (header.descr != "<f8") {
    std::memcpy(dst, src, n_bytes);
    return;
  }
  float* out = reinterpret_cast<float*>(dst);
  for (size_t i = 0; i < n_bytes / 8; ++i) {
    double v;
    std::memcpy(&v, src + 8 * i, 8);
    out[i] = static_cast<float>(v);
  }
}

absl::StatusOr<torch::Tensor> Allocate(const NpyHeader& header) {
  return CatchTorch(
      "allocating the npy array",
      [&] { return torch::empty(header.shape, torch::TensorOptions().dtype(header.dtype)); },
      absl::StatusCode::kResourceExhausted);
}

}  // namespace

absl::StatusOr<torch::Tensor> ParseNpy(std::string_view bytes) {
  INFIP_ASSIGN_OR_RETURN(NpyHeader header, ParseNpyHeader(bytes, "npy data"));
  const size_t data_size = bytes.size() - header.data_offset;
  if (data_size != static_cast<size_t>(header.data_bytes)) {
    return InvalidNpy("npy data", absl::StrCat("data section has ", data_size,
                                               " bytes; the header promises ", header.data_bytes));
  }
  INFIP_ASSIGN_OR_RETURN(torch::Tensor out, Allocate(header));
  DecodeInto(header, bytes.data() + header.data_offset, data_size,
             static_cast<char*>(out.data_ptr()));
  return out;
}

absl::StatusOr<torch::Tensor> ReadNpy(const std::string& path) {
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  // Read just the header first, so that the sizes it claims are checked before allocating.
  std::string prefix(kNpyPreambleBytes, '\0');
  INFIP_ASSIGN_OR_RETURN(size_t got, file->Read(prefix.data(), prefix.size()));
  prefix.resize(got);
  INFIP_ASSIGN_OR_RETURN(size_t header_end, NpyHeaderEnd(prefix, path));
  if (static_cast<int64_t>(header_end) > file->size()) {
    return InvalidNpy(path, "file ends inside the header");
  }
  if (header_end < got) return InvalidNpy(path, "header too short");
  prefix.resize(header_end);
  INFIP_ASSIGN_OR_RETURN(size_t rest, file->Read(prefix.data() + got, header_end - got));
  if (rest != header_end - got) return InvalidNpy(path, "file ends inside the header");
  INFIP_ASSIGN_OR_RETURN(NpyHeader header, ParseNpyHeader(prefix, path));
  const int64_t data_size = file->size() - static_cast<int64_t>(header.data_offset);
  if (data_size != header.data_bytes) {
    return InvalidNpy(path, absl::StrCat("data section has ", data_size,
                                         " bytes; the header promises ", header.data_bytes));
  }
  INFIP_ASSIGN_OR_RETURN(torch::Tensor out, Allocate(header));
  char* dst = static_cast<char*>(out.data_ptr());
  if (header.descr != "<f8") {
    INFIP_ASSIGN_OR_RETURN(got, file->Read(dst, static_cast<size_t>(data_size)));
    if (got != static_cast<size_t>(data_size)) return InvalidNpy(path, "file shrank while read");
    return out;
  }
  // float64: converted in chunks, so that the wide copy never exists whole.
  std::vector<char> chunk(size_t{8} << 16);
  for (int64_t done = 0; done < data_size;) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(chunk.size(), data_size - done));
    INFIP_ASSIGN_OR_RETURN(got, file->Read(chunk.data(), want));
    if (got != want) return InvalidNpy(path, "file shrank while read");
    DecodeInto(header, chunk.data(), want, dst + done / 2);
    done += static_cast<int64_t>(want);
  }
  return out;
}

absl::StatusOr<std::string> NpyHeaderFor(const torch::Tensor& tensor) {
  std::string descr;
  if (!tensor.defined()) return absl::InvalidArgumentError("cannot write an undefined tensor");
  if (tensor.scalar_type() == torch::kFloat) {
    descr = "<f4";
  } else if (tensor.scalar_type() == torch::kUInt8) {
    descr = "|u1";
  } else {
    return absl::InvalidArgumentError(absl::StrCat("npy writes float32 or uint8 arrays, not ",
                                                   c10::toString(tensor.scalar_type())));
  }
  return FormatNpyHeader(descr, tensor.sizes().vec());
}

absl::StatusOr<std::string> SerializeNpy(const torch::Tensor& tensor) {
  INFIP_ASSIGN_OR_RETURN(std::string out, NpyHeaderFor(tensor));
  INFIP_ASSIGN_OR_RETURN(torch::Tensor data,
                         CatchTorch("npy data", [&] { return tensor.cpu().contiguous(); }));
  out.append(static_cast<const char*>(data.data_ptr()), data.nbytes());
  return out;
}

absl::Status WriteNpy(const std::string& path, const torch::Tensor& tensor) {
  INFIP_ASSIGN_OR_RETURN(std::string header, NpyHeaderFor(tensor));
  INFIP_ASSIGN_OR_RETURN(torch::Tensor data,
                         CatchTorch("npy data", [&] { return tensor.cpu().contiguous(); }));
  const std::string_view pieces[] = {
      header, std::string_view(static_cast<const char*>(data.data_ptr()), data.nbytes())};
  return WriteFileAtomically(path, pieces);
}

}  // namespace infip::io
