// The one crossing between abseil's canonical statuses and gRPC's: the code is kept (both
// number the canonical codes the same), and so is the message, so a client reads exactly what
// the library said. An OK status never carries a message.
//
//   return ToGrpcStatus(auditor->Verify(id, suspect, control).status());
//   absl::Status back = FromGrpcStatus(stub->GetServerInfo(&context, request, &info));
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace infip::server {

[[nodiscard]] grpc::Status ToGrpcStatus(const absl::Status& status);
[[nodiscard]] absl::Status FromGrpcStatus(const grpc::Status& status);

// "INVALID_ARGUMENT" etc., the names gRPC's documentation and metrics use.
[[nodiscard]] const char* GrpcCodeName(grpc::StatusCode code);

}  // namespace infip::server
