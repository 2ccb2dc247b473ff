// The messages between a caller (infip-server, or the CLI) and one sandboxed worker
// (infip-worker), version kProtocolVersion. A worker serves one job:
//
//   worker -> caller   Hello        started, libraries loaded, ready for a job
//   caller -> worker   Job          the model file (its descriptor rides along), device, limits
//   worker -> caller   Loaded       after confining itself: the archive check and the load
//   caller -> worker   CheckShape   does the model take this batch shape?   (any number)
//   worker -> caller   ShapeResult
//   caller -> worker   Extract      keys and settings                        (any number)
//   worker -> caller   Progress*, then Extracted
//   caller -> worker   Bye          the worker exits; so does one whose channel closes
//
// Every message is one frame (channel.h) whose payload is encoded with wire.h. Decoding is
// strict: unknown values, short or long payloads are INVALID_ARGUMENT, and the caller treats
// a worker that sends one as broken. Statuses the worker reports are narrowed to the codes a
// worker may give (WorkerStatusFromWire), so a model cannot make the server answer with, say,
// UNAUTHENTICATED.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "infip/audit/extraction.h"
#include "infip/fingerprint/image.h"
#include "infip/sandbox/wire.h"

namespace infip::sandbox {

inline constexpr uint32_t kProtocolVersion = 1;

enum class MessageType : uint32_t {
  kHello = 1,
  kJob = 2,
  kLoaded = 3,
  kCheckShape = 4,
  kShapeResult = 5,
  kExtract = 6,
  kProgress = 7,
  kExtracted = 8,
  kBye = 9,
};

[[nodiscard]] const char* MessageName(MessageType type);

struct Hello {
  uint32_t version = kProtocolVersion;
  int64_t pid = 0;
  std::string device;       // as torch::Device prints it
  std::string confinement;  // the layers applied at start (Landlock, no-new-privs)
};

struct ArchiveRules {
  int64_t max_uncompressed_bytes = 0;
  double max_compression_ratio = 200.0;
  int64_t max_entries = 20000;
  bool scan_source = true;
};

struct Job {
  std::string device;
  int64_t model_bytes = 0;  // the file's size; the worker reads exactly this much
  std::string model_sha256;
  ArchiveRules archive;
  int64_t memory_bytes = 0;  // 0: no limit
  bool memory_as_data = false;
  int64_t cpu_seconds = 0;  // 0: no limit
};

struct Loaded {
  absl::Status status;
  std::string confinement;  // every layer in force while the model loaded
  double load_seconds = 0.0;
  int64_t archive_entries = 0;
  int64_t archive_bytes = 0;  // uncompressed
};

struct CheckShape {
  std::vector<int64_t> batch_shape;
};

struct ShapeResult {
  absl::Status status;
};

struct ExtractRequest {
  torch::Tensor inputs;  // N x C x H x W float32
  std::vector<double> box_low, box_high;
  audit::ExtractionSettings settings;  // with_key_preview is the caller's business
};

struct ProgressReport {
  int64_t done = 0;
  int64_t total = 0;
};

struct Extracted {
  absl::Status status;
  audit::RawExtraction raw;  // when status is OK
};

// Encoders never fail for well-formed values; tensors of another dtype are INVALID_ARGUMENT.
[[nodiscard]] std::string Encode(const Hello& m);
[[nodiscard]] std::string Encode(const Job& m);
[[nodiscard]] std::string Encode(const Loaded& m);
[[nodiscard]] std::string Encode(const CheckShape& m);
[[nodiscard]] std::string Encode(const ShapeResult& m);
[[nodiscard]] absl::StatusOr<std::string> Encode(const ExtractRequest& m);
[[nodiscard]] std::string Encode(const ProgressReport& m);
[[nodiscard]] absl::StatusOr<std::string> Encode(const Extracted& m);

[[nodiscard]] absl::StatusOr<Hello> DecodeHello(std::string_view bytes);
[[nodiscard]] absl::StatusOr<Job> DecodeJob(std::string_view bytes);
[[nodiscard]] absl::StatusOr<Loaded> DecodeLoaded(std::string_view bytes);
[[nodiscard]] absl::StatusOr<CheckShape> DecodeCheckShape(std::string_view bytes);
[[nodiscard]] absl::StatusOr<ShapeResult> DecodeShapeResult(std::string_view bytes);
[[nodiscard]] absl::StatusOr<ExtractRequest> DecodeExtractRequest(std::string_view bytes,
                                                                  const WireLimits& limits);
[[nodiscard]] absl::StatusOr<ProgressReport> DecodeProgress(std::string_view bytes);
[[nodiscard]] absl::StatusOr<Extracted> DecodeExtracted(std::string_view bytes,
                                                        const WireLimits& limits);

// The codes a worker may report; any other becomes INTERNAL, saying which code it claimed.
// Messages are cut to 2 KiB and stripped of control characters.
[[nodiscard]] absl::Status WorkerStatusFromWire(int32_t code, std::string message);

}  // namespace infip::sandbox
