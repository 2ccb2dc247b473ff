// What a failed call to the infip server means to the person at the command line. The server's
// own message names what was wrong with the request; this keeps it, adds which server said
// it, and rewords the transport's failures (no server there, no answer in time) into what to
// do about them. The canonical code is kept, so exit_codes.h maps it.
//
//   grpc::Status s = stub->GetRegistration(&context, request, &registration);
//   if (!s.ok()) return FromGrpcStatus(s, {.server = "127.0.0.1:50051"});
#pragma once

#include <grpcpp/support/status.h>

#include <optional>
#include <string>

#include "absl/status/status.h"

namespace infip::cli {

struct CallSite {
  std::string server;             // host:port as the user gave it
  std::optional<double> timeout;  // --timeout, seconds, when one was set
};

// OK for OK. UNAVAILABLE: "cannot reach the infip server at <server> (<cause>); is it
// running? set --server or INFIP_SERVER". DEADLINE_EXCEEDED names the --timeout. Any other
// code: "<server>: <the server's message>".
[[nodiscard]] absl::Status FromGrpcStatus(const grpc::Status& status, const CallSite& site);

}  // namespace infip::cli
