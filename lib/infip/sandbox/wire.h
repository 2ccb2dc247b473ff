// The byte encoding of the messages between infip-server (or the CLI) and its sandboxed
// workers (protocol.h): little-endian integers and doubles, length-prefixed strings, and
// tensors as dtype, shape and raw bytes. WireReader checks every length against what is left
// and against the caller's caps before it allocates, because one side of this channel runs a
// stranger's model: whatever the worker writes is untrusted input.
//
//   WireWriter w;
//   w.U32(7);
//   w.Str("cpu");
//   INFIP_RETURN_IF_ERROR(w.Tensor(keys));
//   WireReader r(w.bytes(), limits);
//   INFIP_ASSIGN_OR_RETURN(uint32_t v, r.U32());
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace infip::sandbox {

// What a reader accepts.
struct WireLimits {
  int64_t max_string_bytes = 64 << 10;
  int64_t max_tensor_bytes = int64_t{1} << 34;
  int max_tensor_dims = 4;
  int64_t max_vector_items = 1 << 16;
};

class WireWriter {
 public:
  void U8(uint8_t v);
  void U32(uint32_t v);
  void I64(int64_t v);
  void F64(double v);
  void Str(std::string_view s);
  void F64s(const std::vector<double>& v);
  void I64s(const std::vector<int64_t>& v);
  // uint8, int64 or float32, on any device (copied to the CPU), at most 8 dimensions; an
  // undefined tensor is written as "none". INVALID_ARGUMENT for another dtype.
  [[nodiscard]] absl::Status Tensor(const torch::Tensor& t);

  [[nodiscard]] const std::string& bytes() const { return bytes_; }
  [[nodiscard]] std::string Take() { return std::move(bytes_); }

 private:
  void Raw(const void* data, size_t n);
  std::string bytes_;
};

// Every read fails with INVALID_ARGUMENT naming what it was reading when the bytes run out or
// a value breaks the limits; the caller decides what that means (the server: INTERNAL).
class WireReader {
 public:
  WireReader(std::string_view bytes, WireLimits limits) : rest_(bytes), limits_(limits) {}

  [[nodiscard]] absl::StatusOr<uint8_t> U8();
  [[nodiscard]] absl::StatusOr<uint32_t> U32();
  [[nodiscard]] absl::StatusOr<int64_t> I64();
  [[nodiscard]] absl::StatusOr<double> F64();
  [[nodiscard]] absl::StatusOr<std::string> Str();
  [[nodiscard]] absl::StatusOr<std::vector<double>> F64s();
  [[nodiscard]] absl::StatusOr<std::vector<int64_t>> I64s();
  // A CPU tensor, contiguous; undefined for "none".
  [[nodiscard]] absl::StatusOr<torch::Tensor> Tensor();
  // OK when every byte was read: a message with trailing bytes is malformed.
  [[nodiscard]] absl::Status End() const;

 private:
  [[nodiscard]] absl::Status Take(size_t n, const char* what, std::string_view* out);
  std::string_view rest_;
  WireLimits limits_;
};

}  // namespace infip::sandbox
