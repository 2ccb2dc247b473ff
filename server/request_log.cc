#include "server/request_log.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/absl_view.h"
#include "server/auth/policy.h"
#include "server/logging.h"
#include "server/status_map.h"

namespace infip::server {
namespace {

bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

class LineBuilder {
 public:
  explicit LineBuilder(LogFormat format) : json_(format == LogFormat::kJson) {}

  void Text(std::string_view key, std::string_view value) {
    Separator();
    if (json_) {
      absl::StrAppend(&line_, "\"", Absl(key), "\":\"", JsonEscape(value), "\"");
    } else if (NeedsQuotes(value)) {
      absl::StrAppend(&line_, Absl(key), "=\"", JsonEscape(value), "\"");
    } else {
      absl::StrAppend(&line_, Absl(key), "=", Absl(value));
    }
  }
  void Number(std::string_view key, std::string_view value) {
    Separator();
    absl::StrAppend(&line_, json_ ? "\"" : "", Absl(key), json_ ? "\":" : "=", Absl(value));
  }
  std::string Take() { return std::move(line_); }

 private:
  void Separator() {
    if (!line_.empty()) line_ += json_ ? "," : " ";
  }
  const bool json_;
  std::string line_;
};

bool ServerAtFault(grpc::StatusCode code) {
  return code == grpc::StatusCode::INTERNAL || code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::DATA_LOSS || code == grpc::StatusCode::UNAVAILABLE;
}

}  // namespace

std::string FormatRequestLine(const RequestRecord& r, LogFormat format) {
  LineBuilder line(format);
  line.Text("method", r.method);
  line.Text("peer", r.peer);
  if (!r.principal.empty()) line.Text("principal", r.principal);
  line.Text("code", GrpcCodeName(r.code));
  line.Number("duration_ms", absl::StrFormat("%.1f", r.duration_ms));
  line.Number("bytes_in", absl::StrCat(r.bytes_in));
  if (!r.registration_id.empty()) line.Text("registration_id", r.registration_id);
  if (!r.verdict_id.empty()) line.Text("verdict_id", r.verdict_id);
  if (r.code != grpc::StatusCode::OK) line.Text("error", r.error);
  return line.Take();
}

std::string FormatAuditLine(const AuditRecord& r, LogFormat format) {
  LineBuilder line(format);
  line.Text("principal", r.principal);
  line.Text("method", r.method);
  line.Text("subject", r.subject);
  if (!r.owner.empty()) line.Text("owner", r.owner);
  line.Text("result", GrpcCodeName(r.result));
  if (r.result != grpc::StatusCode::OK) line.Text("error", r.error);
  return line.Take();
}

CallLog::CallLog(std::string_view method, grpc::ServerContext* context, ServerMetrics* metrics)
    : context_(context), metrics_(metrics), start_(absl::Now()) {
  record_.method = std::string(method);
  if (context != nullptr) record_.peer = context->peer();
}

grpc::Status CallLog::Finish(grpc::Status status) {
  const absl::Duration elapsed = absl::Now() - start_;
  record_.code = status.error_code();
  record_.error = status.error_message();
  record_.duration_ms = absl::ToDoubleMilliseconds(elapsed);
  if (metrics_ != nullptr) metrics_->RecordRequest(record_.method, record_.code, elapsed);
  const std::string line = FormatRequestLine(record_, CurrentLogFormat());
  RequestLogger()->log(ServerAtFault(record_.code) ? spdlog::level::warn : spdlog::level::info,
                       "{}", line);
  if (audited_) {
    AuditRecord audit;
    audit.principal = record_.principal.empty() ? "-" : record_.principal;
    audit.method = record_.method;
    audit.subject = !record_.verdict_id.empty()        ? record_.verdict_id
                    : !record_.registration_id.empty() ? record_.registration_id
                                                       : "-";
    audit.owner = owner_;
    audit.result = record_.code;
    audit.error = record_.error;
    AuditLogger()->info("{}", FormatAuditLine(audit, CurrentLogFormat()));
  }
  return status;
}

grpc::Status CallLog::Finish(const absl::Status& status) {
  if (context_ != nullptr && auth::IsAccessRefusal(status)) {
    context_->AddTrailingMetadata(auth::kRefusalTrailer, absl::IsUnauthenticated(status)
                                                             ? "unauthenticated"
                                                             : "permission-denied");
  }
  return Finish(ToGrpcStatus(status));
}

}  // namespace infip::server
