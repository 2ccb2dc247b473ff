#include "server/upload_reader.h"

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "server/absl_view.h"

namespace infip::server {
namespace {

const char* What(PartKind kind) {
  switch (kind) {
    case PartKind::kKeySet: return "key set";
    case PartKind::kModel: return "model";
    case PartKind::kFingerprints: return "fingerprint set";
    default: return "upload";
  }
}

absl::Status Invalid(absl::string_view a, absl::string_view b = "", absl::string_view c = "") {
  return absl::InvalidArgumentError(absl::StrCat(a, b, c));
}

}  // namespace

const char* PartName(PartKind kind) {
  switch (kind) {
    case PartKind::kNone: return "empty message";
    case PartKind::kHeader: return "header";
    case PartKind::kKeySet: return "key_set_chunk";
    case PartKind::kModel: return "model_chunk";
    case PartKind::kFingerprints: return "fingerprints_chunk";
  }
  return "message";
}

absl::Status CheckDeclaredBytes(int64_t declared, int64_t cap, std::string_view field,
                                std::string_view what) {
  if (declared < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(field), " must be the ", Absl(what), "'s size in bytes (> 0), not ", declared));
  }
  if (declared > cap) {
    return absl::ResourceExhaustedError(absl::StrCat("the ", Absl(what), " of ", declared,
                                                     " bytes is over the server's cap of ", cap,
                                                     " bytes (", Absl(field), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReceiveUpload(const UploadPlan& plan, const UploadIo& io) {
  const int64_t key_total = plan.key_set_bytes.value_or(0);
  const int64_t payload_total = plan.payload == PartKind::kNone ? 0 : plan.payload_bytes;
  std::string key_set;
  // Reserving what the header declared is safe: the caller checked it against its cap.
  key_set.reserve(static_cast<size_t>(key_total));
  int64_t payload_received = 0;

  StreamPart part;
  while (io.next(&part)) {
    const int64_t size = static_cast<int64_t>(part.bytes.size());
    if (part.kind == PartKind::kHeader) {
      return Invalid("a second header in the stream; the header comes once, first");
    }
    if (part.kind == PartKind::kNone) {
      return Invalid("an empty message in the stream: every message after the header must "
                     "carry a chunk");
    }
    if (size > kMaxChunkBytes) {
      return Invalid(PartName(part.kind), absl::StrCat(" of ", size, " bytes is over the ",
                                                       kMaxChunkBytes, "-byte chunk limit"));
    }
    if (part.kind == PartKind::kKeySet) {
      if (!plan.key_set_bytes) return Invalid("key_set_chunk in a stream that carries no key set");
      if (payload_received > 0) {
        return Invalid("key_set_chunk after ", PartName(plan.payload),
                       ": the key set's bytes come first");
      }
      if (size > key_total - static_cast<int64_t>(key_set.size())) {
        return Invalid(absl::StrCat("the key set has more bytes than the ", key_total,
                                    " declared in KeySetInfo.npy_bytes (",
                                    key_set.size() + part.bytes.size(), " so far)"));
      }
      key_set.append(part.bytes);
    } else if (part.kind != plan.payload) {
      if (plan.payload == PartKind::kNone) {
        return Invalid(PartName(part.kind), " sent, but ", Absl(plan.no_payload_reason));
      }
      return Invalid(PartName(part.kind), " in a stream that carries ",
                     absl::StrCat(PartName(plan.payload), "s"));
    } else {
      if (static_cast<int64_t>(key_set.size()) < key_total) {
        return Invalid(absl::StrCat(PartName(part.kind), " before the key set was complete (",
                                    key_set.size(), " of ", key_total,
                                    " bytes): the key set's bytes come first"));
      }
      if (size > payload_total - payload_received) {
        return Invalid(absl::StrCat("the ", What(plan.payload), " has more bytes than the ",
                                    payload_total, " declared in the header (",
                                    payload_received + size, " so far)"));
      }
      INFIP_RETURN_IF_ERROR(io.payload(part.bytes));
      payload_received += size;
    }
    if (io.on_bytes) io.on_bytes(static_cast<int64_t>(key_set.size()) + payload_received);
  }

  if (io.cancelled && io.cancelled()) {
    return absl::CancelledError("the client went away during the upload");
  }
  if (static_cast<int64_t>(key_set.size()) < key_total) {
    return Invalid(absl::StrCat("truncated key set: ", key_set.size(), " of ", key_total,
                                " bytes received"));
  }
  if (payload_received < payload_total) {
    return Invalid(absl::StrCat("truncated ", What(plan.payload), ": ", payload_received, " of ",
                                payload_total, " bytes received"));
  }
  return key_set;
}

}  // namespace infip::server
