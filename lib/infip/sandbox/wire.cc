#include "infip/sandbox/wire.h"

#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"

namespace infip::sandbox {
namespace {

// Tensor dtypes on the wire; 0 is "no tensor".
enum WireDtype : uint8_t { kNone = 0, kUint8 = 1, kInt64 = 2, kFloat32 = 3 };

constexpr int kMaxDims = 8;

}  // namespace

void WireWriter::Raw(const void* data, size_t n) {
  bytes_.append(static_cast<const char*>(data), n);
}

// x86-64 and aarch64 are little-endian, as the wire is; both ends are the same build.
void WireWriter::U8(uint8_t v) { Raw(&v, 1); }
void WireWriter::U32(uint32_t v) { Raw(&v, 4); }
void WireWriter::I64(int64_t v) { Raw(&v, 8); }
void WireWriter::F64(double v) { Raw(&v, 8); }

void WireWriter::Str(std::string_view s) {
  U32(static_cast<uint32_t>(s.size()));
  Raw(s.data(), s.size());
}

void WireWriter::F64s(const std::vector<double>& v) {
  U32(static_cast<uint32_t>(v.size()));
  for (double x : v) F64(x);
}

void WireWriter::I64s(const std::vector<int64_t>& v) {
  U32(static_cast<uint32_t>(v.size()));
  for (int64_t x : v) I64(x);
}

absl::Status WireWriter::Tensor(const torch::Tensor& t) {
  if (!t.defined()) {
    U8(kNone);
    return absl::OkStatus();
  }
  uint8_t dtype = kNone;
  switch (t.scalar_type()) {
    case torch::kByte:
      dtype = kUint8;
      break;
    case torch::kLong:
      dtype = kInt64;
      break;
    case torch::kFloat:
      dtype = kFloat32;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("wire: tensors of ", c10::toString(t.scalar_type()), " are not sent"));
  }
  if (t.dim() > kMaxDims) {
    return absl::InvalidArgumentError(absl::StrCat("wire: a tensor of ", t.dim(), " dimensions"));
  }
  const torch::Tensor cpu = t.to(torch::kCPU).contiguous();
  U8(dtype);
  U8(static_cast<uint8_t>(cpu.dim()));
  for (int64_t d : cpu.sizes()) I64(d);
  Raw(cpu.data_ptr(), cpu.numel() * cpu.element_size());
  return absl::OkStatus();
}

absl::Status WireReader::Take(size_t n, const char* what, std::string_view* out) {
  if (rest_.size() < n) {
    return absl::InvalidArgumentError(absl::StrCat("message ends inside ", what, " (", n,
                                                   " bytes wanted, ", rest_.size(), " left)"));
  }
  *out = rest_.substr(0, n);
  rest_.remove_prefix(n);
  return absl::OkStatus();
}

absl::StatusOr<uint8_t> WireReader::U8() {
  std::string_view b;
  INFIP_RETURN_IF_ERROR(Take(1, "a byte", &b));
  return static_cast<uint8_t>(b[0]);
}

absl::StatusOr<uint32_t> WireReader::U32() {
  std::string_view b;
  INFIP_RETURN_IF_ERROR(Take(4, "a 32-bit integer", &b));
  uint32_t v;
  std::memcpy(&v, b.data(), 4);
  return v;
}

absl::StatusOr<int64_t> WireReader::I64() {
  std::string_view b;
  INFIP_RETURN_IF_ERROR(Take(8, "a 64-bit integer", &b));
  int64_t v;
  std::memcpy(&v, b.data(), 8);
  return v;
}

absl::StatusOr<double> WireReader::F64() {
  std::string_view b;
  INFIP_RETURN_IF_ERROR(Take(8, "a number", &b));
  double v;
  std::memcpy(&v, b.data(), 8);
  return v;
}

absl::StatusOr<std::string> WireReader::Str() {
  INFIP_ASSIGN_OR_RETURN(uint32_t n, U32());
  if (n > limits_.max_string_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a text of ", n, " bytes (at most ", limits_.max_string_bytes, ")"));
  }
  std::string_view b;
  INFIP_RETURN_IF_ERROR(Take(n, "a text", &b));
  return std::string(b);
}

absl::StatusOr<std::vector<double>> WireReader::F64s() {
  INFIP_ASSIGN_OR_RETURN(uint32_t n, U32());
  if (n > limits_.max_vector_items || n > rest_.size() / 8) {
    return absl::InvalidArgumentError(absl::StrCat("a list of ", n, " numbers"));
  }
  std::vector<double> v(n);
  for (double& x : v) {
    INFIP_ASSIGN_OR_RETURN(x, F64());
  }
  return v;
}

absl::StatusOr<std::vector<int64_t>> WireReader::I64s() {
  INFIP_ASSIGN_OR_RETURN(uint32_t n, U32());
  if (n > limits_.max_vector_items || n > rest_.size() / 8) {
    return absl::InvalidArgumentError(absl::StrCat("a list of ", n, " integers"));
  }
  std::vector<int64_t> v(n);
  for (int64_t& x : v) {
    INFIP_ASSIGN_OR_RETURN(x, I64());
  }
  return v;
}

absl::StatusOr<torch::Tensor> WireReader::Tensor() {
  INFIP_ASSIGN_OR_RETURN(uint8_t dtype, U8());
  if (dtype == kNone) return torch::Tensor();
  torch::ScalarType type;
  switch (dtype) {
    case kUint8:
      type = torch::kByte;
      break;
    case kInt64:
      type = torch::kLong;
      break;
    case kFloat32:
      type = torch::kFloat;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown tensor type ", dtype));
  }
  INFIP_ASSIGN_OR_RETURN(uint8_t dims, U8());
  if (dims > limits_.max_tensor_dims) {
    return absl::InvalidArgumentError(absl::StrCat("a tensor of ", static_cast<int>(dims),
                                                   " dimensions (at most ", limits_.max_tensor_dims,
                                                   ")"));
  }
  const int64_t element = torch::elementSize(type);
  std::vector<int64_t> shape(dims);
  int64_t bytes = element;
  for (int64_t& d : shape) {
    INFIP_ASSIGN_OR_RETURN(d, I64());
    // Overflow-safe: each factor is checked against the cap before it multiplies.
    if (d < 0 || (d > 0 && bytes > limits_.max_tensor_bytes / d)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a tensor larger than ", limits_.max_tensor_bytes, " bytes or of a negative size"));
    }
    bytes *= d;
  }
  std::string_view data;
  INFIP_RETURN_IF_ERROR(Take(static_cast<size_t>(bytes), "a tensor's data", &data));
  torch::Tensor t = torch::empty(shape, torch::TensorOptions().dtype(type));
  if (bytes > 0) std::memcpy(t.data_ptr(), data.data(), static_cast<size_t>(bytes));
  return t;
}

absl::Status WireReader::End() const {
  if (rest_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(rest_.size(), " bytes follow the end of the message"));
}

}  // namespace infip::sandbox
