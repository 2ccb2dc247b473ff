#include "infip/sandbox/protocol.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "infip/common/status_macros.h"

namespace infip::sandbox {
namespace {

constexpr size_t kMaxWorkerMessage = 2048;

void PutStatus(WireWriter& w, const absl::Status& s) {
  w.U32(static_cast<uint32_t>(s.code()));
  w.Str(std::string_view(s.message().data(), s.message().size()));
}

absl::StatusOr<absl::Status> GetStatus(WireReader& r) {
  INFIP_ASSIGN_OR_RETURN(uint32_t code, r.U32());
  INFIP_ASSIGN_OR_RETURN(std::string message, r.Str());
  return WorkerStatusFromWire(static_cast<int32_t>(code), std::move(message));
}

absl::StatusOr<bool> GetBool(WireReader& r) {
  INFIP_ASSIGN_OR_RETURN(uint8_t v, r.U8());
  if (v > 1) return absl::InvalidArgumentError(absl::StrCat("a flag of value ", v));
  return v == 1;
}

absl::StatusOr<double> GetFinite(WireReader& r, const char* what) {
  INFIP_ASSIGN_OR_RETURN(double v, r.F64());
  if (!std::isfinite(v)) return absl::InvalidArgumentError(absl::StrCat(what, " is not finite"));
  return v;
}

// The strict decoders share one shape: read fields, then insist on the end.
template <typename T, typename Fn>
absl::StatusOr<T> Decode(std::string_view bytes, const WireLimits& limits, const char* name,
                         Fn&& fields) {
  WireReader r(bytes, limits);
  T m;
  absl::Status read = fields(r, m);
  if (read.ok()) read = r.End();
  if (!read.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("malformed ", name, ": ", read.message()));
  }
  return m;
}

}  // namespace

const char* MessageName(MessageType type) {
  switch (type) {
    case MessageType::kHello:
      return "Hello";
    case MessageType::kJob:
      return "Job";
    case MessageType::kLoaded:
      return "Loaded";
    case MessageType::kCheckShape:
      return "CheckShape";
    case MessageType::kShapeResult:
      return "ShapeResult";
    case MessageType::kExtract:
      return "Extract";
    case MessageType::kProgress:
      return "Progress";
    case MessageType::kExtracted:
      return "Extracted";
    case MessageType::kBye:
      return "Bye";
  }
  return "unknown";
}

absl::Status WorkerStatusFromWire(int32_t code, std::string message) {
  if (message.size() > kMaxWorkerMessage) message.resize(kMaxWorkerMessage);
  for (char& c : message) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') c = ' ';
  }
  switch (static_cast<absl::StatusCode>(code)) {
    case absl::StatusCode::kOk:
      return absl::OkStatus();
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
      return absl::Status(static_cast<absl::StatusCode>(code), message);
    default:
      return absl::InternalError(absl::StrFormat(
          "the worker reported status code %d, which a worker may not give: %s", code, message));
  }
}

std::string Encode(const Hello& m) {
  WireWriter w;
  w.U32(m.version);
  w.I64(m.pid);
  w.Str(m.device);
  w.Str(m.confinement);
  return w.Take();
}

absl::StatusOr<Hello> DecodeHello(std::string_view bytes) {
  return Decode<Hello>(bytes, WireLimits{}, "Hello", [](WireReader& r, Hello& m) {
    INFIP_ASSIGN_OR_RETURN(m.version, r.U32());
    INFIP_ASSIGN_OR_RETURN(m.pid, r.I64());
    INFIP_ASSIGN_OR_RETURN(m.device, r.Str());
    INFIP_ASSIGN_OR_RETURN(m.confinement, r.Str());
    return absl::OkStatus();
  });
}

std::string Encode(const Job& m) {
  WireWriter w;
  w.Str(m.device);
  w.I64(m.model_bytes);
  w.Str(m.model_sha256);
  w.I64(m.archive.max_uncompressed_bytes);
  w.F64(m.archive.max_compression_ratio);
  w.I64(m.archive.max_entries);
  w.U8(m.archive.scan_source ? 1 : 0);
  w.I64(m.memory_bytes);
  w.U8(m.memory_as_data ? 1 : 0);
  w.I64(m.cpu_seconds);
  return w.Take();
}

absl::StatusOr<Job> DecodeJob(std::string_view bytes) {
  return Decode<Job>(bytes, WireLimits{}, "Job", [](WireReader& r, Job& m) {
    INFIP_ASSIGN_OR_RETURN(m.device, r.Str());
    INFIP_ASSIGN_OR_RETURN(m.model_bytes, r.I64());
    INFIP_ASSIGN_OR_RETURN(m.model_sha256, r.Str());
    INFIP_ASSIGN_OR_RETURN(m.archive.max_uncompressed_bytes, r.I64());
    INFIP_ASSIGN_OR_RETURN(m.archive.max_compression_ratio, GetFinite(r, "the ratio"));
    INFIP_ASSIGN_OR_RETURN(m.archive.max_entries, r.I64());
    INFIP_ASSIGN_OR_RETURN(m.archive.scan_source, GetBool(r));
    INFIP_ASSIGN_OR_RETURN(m.memory_bytes, r.I64());
    INFIP_ASSIGN_OR_RETURN(m.memory_as_data, GetBool(r));
    INFIP_ASSIGN_OR_RETURN(m.cpu_seconds, r.I64());
    if (m.model_bytes < 1 || m.memory_bytes < 0 || m.cpu_seconds < 0) {
      return absl::InvalidArgumentError("negative sizes or limits");
    }
    return absl::OkStatus();
  });
}

std::string Encode(const Loaded& m) {
  WireWriter w;
  PutStatus(w, m.status);
  w.Str(m.confinement);
  w.F64(m.load_seconds);
  w.I64(m.archive_entries);
  w.I64(m.archive_bytes);
  return w.Take();
}

absl::StatusOr<Loaded> DecodeLoaded(std::string_view bytes) {
  return Decode<Loaded>(bytes, WireLimits{}, "Loaded", [](WireReader& r, Loaded& m) {
    INFIP_ASSIGN_OR_RETURN(m.status, GetStatus(r));
    INFIP_ASSIGN_OR_RETURN(m.confinement, r.Str());
    INFIP_ASSIGN_OR_RETURN(m.load_seconds, GetFinite(r, "the load time"));
    INFIP_ASSIGN_OR_RETURN(m.archive_entries, r.I64());
    INFIP_ASSIGN_OR_RETURN(m.archive_bytes, r.I64());
    return absl::OkStatus();
  });
}

std::string Encode(const CheckShape& m) {
  WireWriter w;
  w.I64s(m.batch_shape);
  return w.Take();
}

absl::StatusOr<CheckShape> DecodeCheckShape(std::string_view bytes) {
  return Decode<CheckShape>(bytes, WireLimits{}, "CheckShape", [](WireReader& r, CheckShape& m) {
    INFIP_ASSIGN_OR_RETURN(m.batch_shape, r.I64s());
    if (m.batch_shape.size() != 4) return absl::InvalidArgumentError("a shape of rank != 4");
    for (int64_t d : m.batch_shape) {
      if (d < 1 || d > (1 << 20)) return absl::InvalidArgumentError("a dimension out of range");
    }
    return absl::OkStatus();
  });
}

std::string Encode(const ShapeResult& m) {
  WireWriter w;
  PutStatus(w, m.status);
  return w.Take();
}

absl::StatusOr<ShapeResult> DecodeShapeResult(std::string_view bytes) {
  return Decode<ShapeResult>(bytes, WireLimits{}, "ShapeResult", [](WireReader& r, ShapeResult& m) {
    INFIP_ASSIGN_OR_RETURN(m.status, GetStatus(r));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> Encode(const ExtractRequest& m) {
  WireWriter w;
  INFIP_RETURN_IF_ERROR(w.Tensor(m.inputs));
  w.F64s(m.box_low);
  w.F64s(m.box_high);
  w.Str(m.settings.composite);
  w.F64(m.settings.image.lambda);
  w.U8(m.settings.image.scaling == fingerprint::LambdaScaling::kLiteral ? 1 : 0);
  w.I64(m.settings.chunk_size);
  w.U8(m.settings.keep_relevance ? 1 : 0);
  return w.Take();
}

absl::StatusOr<ExtractRequest> DecodeExtractRequest(std::string_view bytes,
                                                    const WireLimits& limits) {
  return Decode<ExtractRequest>(bytes, limits, "Extract", [](WireReader& r, ExtractRequest& m) {
    INFIP_ASSIGN_OR_RETURN(m.inputs, r.Tensor());
    if (!m.inputs.defined() || m.inputs.scalar_type() != torch::kFloat || m.inputs.dim() != 4) {
      return absl::InvalidArgumentError("the keys are not an N x C x H x W float32 batch");
    }
    INFIP_ASSIGN_OR_RETURN(m.box_low, r.F64s());
    INFIP_ASSIGN_OR_RETURN(m.box_high, r.F64s());
    INFIP_ASSIGN_OR_RETURN(m.settings.composite, r.Str());
    INFIP_ASSIGN_OR_RETURN(m.settings.image.lambda, GetFinite(r, "lambda"));
    INFIP_ASSIGN_OR_RETURN(bool literal, GetBool(r));
    m.settings.image.scaling =
        literal ? fingerprint::LambdaScaling::kLiteral : fingerprint::LambdaScaling::kResolution;
    INFIP_ASSIGN_OR_RETURN(m.settings.chunk_size, r.I64());
    INFIP_ASSIGN_OR_RETURN(m.settings.keep_relevance, GetBool(r));
    m.settings.with_key_preview = false;
    return absl::OkStatus();
  });
}

std::string Encode(const ProgressReport& m) {
  WireWriter w;
  w.I64(m.done);
  w.I64(m.total);
  return w.Take();
}

absl::StatusOr<ProgressReport> DecodeProgress(std::string_view bytes) {
  return Decode<ProgressReport>(bytes, WireLimits{}, "Progress",
                                [](WireReader& r, ProgressReport& m) {
                                  INFIP_ASSIGN_OR_RETURN(m.done, r.I64());
                                  INFIP_ASSIGN_OR_RETURN(m.total, r.I64());
                                  if (m.done < 0 || m.total < 0 || m.done > m.total) {
                                    return absl::InvalidArgumentError("counts out of order");
                                  }
                                  return absl::OkStatus();
                                });
}

absl::StatusOr<std::string> Encode(const Extracted& m) {
  WireWriter w;
  PutStatus(w, m.status);
  if (m.status.ok()) {
    INFIP_RETURN_IF_ERROR(w.Tensor(m.raw.images));
    INFIP_RETURN_IF_ERROR(w.Tensor(m.raw.predicted));
    INFIP_RETURN_IF_ERROR(w.Tensor(m.raw.relevance));
    w.F64(m.raw.explain_seconds);
  }
  return w.Take();
}

absl::StatusOr<Extracted> DecodeExtracted(std::string_view bytes, const WireLimits& limits) {
  return Decode<Extracted>(bytes, limits, "Extracted", [](WireReader& r, Extracted& m) {
    INFIP_ASSIGN_OR_RETURN(m.status, GetStatus(r));
    if (!m.status.ok()) return absl::OkStatus();
    // Shapes and values are AssembleExtraction's to check, against the keys sent.
    INFIP_ASSIGN_OR_RETURN(m.raw.images, r.Tensor());
    INFIP_ASSIGN_OR_RETURN(m.raw.predicted, r.Tensor());
    INFIP_ASSIGN_OR_RETURN(m.raw.relevance, r.Tensor());
    INFIP_ASSIGN_OR_RETURN(m.raw.explain_seconds, GetFinite(r, "the relevance time"));
    return absl::OkStatus();
  });
}

}  // namespace infip::sandbox
