// The byte-stream half of every upload RPC: after the header, the key set's chunks, then the
// model's or the fingerprint set's, each at most 1 MiB, adding up to exactly what the header
// declared (proto/infip/v1/infip.proto, "Streaming conventions"). ReceiveUpload enforces that
// and hands the payload on chunk by chunk, so a model goes to disk (fetch::UploadSink) as it
// arrives and is never held in memory; the key set, capped, is returned.
//
//   UploadPlan plan{.key_set_bytes = 4096, .payload = PartKind::kModel,
//                   .payload_bytes = 171683};
//   UploadIo io{.next = ..., .cancelled = ..., .payload = [&](std::string_view c) {
//                 return sink->Append(c); }};
//   INFIP_ASSIGN_OR_RETURN(std::string npy, ReceiveUpload(plan, io));
//
// Every refusal is INVALID_ARGUMENT naming the part and the numbers ("truncated model: 1000
// of 171683 bytes received"), except a client gone mid-stream, which is CANCELLED, and the
// payload callback's own errors, which pass through (RESOURCE_EXHAUSTED from the sink's cap).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace infip::server {

inline constexpr int64_t kMaxChunkBytes = int64_t{1} << 20;

// What one message of an upload stream carries.
enum class PartKind { kNone, kHeader, kKeySet, kModel, kFingerprints };

// "header", "key_set_chunk", "model_chunk", "fingerprints_chunk", "empty message".
[[nodiscard]] const char* PartName(PartKind kind);

struct StreamPart {
  PartKind kind = PartKind::kNone;
  std::string_view bytes;  // valid until the next call of UploadIo::next
};

// What the header promised.
struct UploadPlan {
  std::optional<int64_t> key_set_bytes;  // a key set of exactly this many bytes comes first
  PartKind payload = PartKind::kNone;    // kModel, kFingerprints, or kNone (model by handle)
  int64_t payload_bytes = 0;
  // Why no payload may come, for the message when one does anyway.
  std::string_view no_payload_reason = "the header names a remote handle";
};

struct UploadIo {
  // The next message; false at the end of the stream (half-close, or the client is gone).
  std::function<bool(StreamPart*)> next;
  // Asked when `next` says false: whether the client went away rather than finished.
  std::function<bool()> cancelled;
  // Takes the payload's chunks in order.
  std::function<absl::Status(std::string_view chunk)> payload;
  // Told the bytes received so far (key set and payload together) after every chunk.
  std::function<void(int64_t received)> on_bytes;
};

// Reads the stream to its end. Returns the key set's bytes ("" when the plan has none).
[[nodiscard]] absl::StatusOr<std::string> ReceiveUpload(const UploadPlan& plan,
                                                        const UploadIo& io);

// A declared byte count against its cap: INVALID_ARGUMENT naming `field` when it is < 1,
// RESOURCE_EXHAUSTED naming the cap when it is over it.
[[nodiscard]] absl::Status CheckDeclaredBytes(int64_t declared, int64_t cap,
                                              std::string_view field, std::string_view what);

}  // namespace infip::server
