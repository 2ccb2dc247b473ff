// The three upload RPCs' request messages seen as StreamParts (upload_reader.h), and the
// reading of a stream's first message, which must be its header.
//
//   INFIP_ASSIGN_OR_RETURN(v1::VerifyRequest first,
//                          ReadHeaderMessage<v1::VerifyRequest>(stream, context, "VerifyHeader"));
//   v1::VerifyRequest holder;
//   UploadIo io{.next = PartReader(stream, &holder), ...};
#pragma once

#include <functional>
#include <string_view>

#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "infip/v1/infip.pb.h"
#include "server/absl_view.h"
#include "server/upload_reader.h"

namespace infip::server {

inline StreamPart PartOf(const v1::RegisterModelRequest& r) {
  switch (r.part_case()) {
    case v1::RegisterModelRequest::kHeader: return {PartKind::kHeader, {}};
    case v1::RegisterModelRequest::kKeySetChunk: return {PartKind::kKeySet, r.key_set_chunk()};
    case v1::RegisterModelRequest::kModelChunk: return {PartKind::kModel, r.model_chunk()};
    default: return {};
  }
}

inline StreamPart PartOf(const v1::RegisterFingerprintsRequest& r) {
  switch (r.part_case()) {
    case v1::RegisterFingerprintsRequest::kHeader: return {PartKind::kHeader, {}};
    case v1::RegisterFingerprintsRequest::kKeySetChunk:
      return {PartKind::kKeySet, r.key_set_chunk()};
    case v1::RegisterFingerprintsRequest::kFingerprintsChunk:
      return {PartKind::kFingerprints, r.fingerprints_chunk()};
    default: return {};
  }
}

inline StreamPart PartOf(const v1::VerifyRequest& r) {
  switch (r.part_case()) {
    case v1::VerifyRequest::kHeader: return {PartKind::kHeader, {}};
    case v1::VerifyRequest::kModelChunk: return {PartKind::kModel, r.model_chunk()};
    default: return {};
  }
}

inline StreamPart PartOf(const v1::ScreenRequest& r) {
  switch (r.part_case()) {
    case v1::ScreenRequest::kHeader: return {PartKind::kHeader, {}};
    case v1::ScreenRequest::kModelChunk: return {PartKind::kModel, r.model_chunk()};
    default: return {};
  }
}

// The stream's first message, which must be a header. CANCELLED when the client went away
// first; INVALID_ARGUMENT for an empty stream or a chunk before the header.
template <typename Request, typename Stream>
absl::StatusOr<Request> ReadHeaderMessage(Stream* stream, grpc::ServerContext* context,
                                          std::string_view header_name) {
  Request first;
  if (!stream->Read(&first)) {
    if (context->IsCancelled()) return absl::CancelledError("the client went away");
    return absl::InvalidArgumentError(
        absl::StrCat("empty stream: the first message must be a ", Absl(header_name)));
  }
  const StreamPart part = PartOf(first);
  if (part.kind != PartKind::kHeader) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the first message must be a ", Absl(header_name), ", not a ", PartName(part.kind)));
  }
  return first;
}

// UploadIo::next over a stream; `holder` keeps the current message (and so the chunk's
// bytes) alive until the next call.
template <typename Request, typename Stream>
std::function<bool(StreamPart*)> PartReader(Stream* stream, Request* holder) {
  return [stream, holder](StreamPart* part) {
    holder->Clear();
    if (!stream->Read(holder)) return false;
    *part = PartOf(*holder);
    return true;
  };
}

}  // namespace infip::server
