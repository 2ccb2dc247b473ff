// What a failed call to the infip server means to the person at the command line. The server's
// own message names what was wrong with the request; this keeps it, adds which server said
// it, and rewords the transport's failures (no server there, no answer in time) into what to
// do about them. The canonical code is kept, so exit_codes.h maps it.
//
//   grpc::Status s = stub->GetRegistration(&context, request, &registration);
//   if (!s.ok()) return FromGrpcStatus(s, {.server = "127.0.0.1:50051"});
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace infip::cli {

struct CallSite {
  std::string server;             // host:port as the user gave it
  std::optional<double> timeout;  // --timeout, seconds, when one was set
  bool tls = false;               // whether the channel uses TLS
};

// OK for OK. UNAVAILABLE: "cannot reach the infip server at <server> (<cause>); is it
// running? set --server or INFIP_SERVER", or, when the cause is a failed TLS handshake, what
// to check (--tls-ca, the name in the server's certificate). DEADLINE_EXCEEDED names the
// --timeout. UNAUTHENTICATED: the server refused the credentials, marked not allowed
// (exit_codes.h). PERMISSION_DENIED: marked not allowed when `refusal` (the call's
// infip-refusal trailer) says the server's access policy refused it; otherwise, like any other
// code, "<server>: <the server's message>".
[[nodiscard]] absl::Status FromGrpcStatus(const grpc::Status& status, const CallSite& site,
                                          std::string_view refusal = {});

// The infip-refusal trailing metadata of a finished call ("" when absent).
[[nodiscard]] std::string RefusalOf(const grpc::ClientContext& context);

}  // namespace infip::cli
