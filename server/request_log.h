// CallLog: the record of one RPC, from its start to its status. Finish() writes the one
// structured log line every request gets and counts it in the metrics:
//
//   text: [...] [info] request method=Verify peer=ipv4:127.0.0.1:50522 code=OK
//         duration_ms=812.4 bytes_in=171683 registration_id=reg_0123456789abcdef
//         verdict_id=vrd_...
//   json: {"time":...,"logger":"request","method":"Verify","peer":"ipv4:127.0.0.1:50522",
//          "code":"OK","duration_ms":812.4,"bytes_in":171683,"registration_id":"reg_...",...}
//
// Failed calls add the status message (`error=...`) and log at warning level when the server
// is at fault (INTERNAL, UNKNOWN, DATA_LOSS, UNAVAILABLE), at info otherwise: a client's bad
// input is routine, not an alarm. The authenticated caller appears as `principal=...`.
//
// Calls the access policy audits (registrations, deletions, evidence reads: auth/policy.h) also
// write one line to the "audit" logger, refused ones included:
//
//   text: [...] [info] audit principal=alice method=DeleteRegistration subject=reg_0123...
//         result=OK
//   json: {"time":...,"logger":"audit","principal":"alice","method":"DeleteRegistration",...}
//
// A call refused by the access policy (auth::IsAccessRefusal) also gets the trailing metadata
// `infip-refusal`, which tells clients "not allowed" from other causes of the same code.
//
//   CallLog call("GetRegistration", context, metrics);
//   ...
//   return call.Finish(ToGrpcStatus(status));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/config.h"
#include "server/metrics.h"

namespace infip::server {

// What a request line says; FormatRequestLine renders it.
struct RequestRecord {
  std::string method;
  std::string peer;
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string error;  // the status message when not OK
  double duration_ms = 0;
  int64_t bytes_in = 0;
  std::string registration_id;
  std::string verdict_id;
  std::string principal;  // empty: not (yet) authenticated
};

// What an audit line says; FormatAuditLine renders it.
struct AuditRecord {
  std::string principal;  // "-" when the caller was not authenticated
  std::string method;
  std::string subject;  // the verdict or registration id, "-" when none was reached
  std::string owner;    // registrations: the owner asked for; may be empty
  grpc::StatusCode result = grpc::StatusCode::OK;
  std::string error;  // the status message when not OK
};

// The fields of the line: "k=v ..." (values with spaces or quotes quoted) for kText, the
// members of a JSON object without its braces for kJson (logging.h adds time and level).
[[nodiscard]] std::string FormatRequestLine(const RequestRecord& record, LogFormat format);
[[nodiscard]] std::string FormatAuditLine(const AuditRecord& record, LogFormat format);

class CallLog {
 public:
  // `metrics` may be null. `context` may be null (tests); the peer is then "".
  CallLog(std::string_view method, grpc::ServerContext* context, ServerMetrics* metrics);
  CallLog(const CallLog&) = delete;
  CallLog& operator=(const CallLog&) = delete;

  void AddBytesIn(int64_t n) { record_.bytes_in += n; }
  void SetRegistrationId(std::string id) { record_.registration_id = std::move(id); }
  void SetVerdictId(std::string id) { record_.verdict_id = std::move(id); }
  void SetPrincipal(std::string principal) { record_.principal = std::move(principal); }
  // An audit line at Finish; `owner`, for registrations, the owner asked for.
  void SetAudited(bool audited) { audited_ = audited; }
  void SetOwner(std::string owner) { owner_ = std::move(owner); }

  // Logs, counts and hands the status back for the handler to return. Call once.
  grpc::Status Finish(grpc::Status status);
  // The same for a handler's absl::Status (status_map.h), marking access refusals.
  grpc::Status Finish(const absl::Status& status);

 private:
  grpc::ServerContext* const context_;
  bool audited_ = false;
  std::string owner_;
  RequestRecord record_;
  ServerMetrics* const metrics_;
  const absl::Time start_;
};

}  // namespace infip::server
