// Verify and Screen.
#include <optional>

#include "infip/common/status_macros.h"
#include "server/proto_convert.h"
#include "server/service.h"
#include "server/status_map.h"
#include "server/stream_parts.h"

namespace infip::server {

grpc::Status FingerprintingService::Verify(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::VerifyEvent, v1::VerifyRequest>* stream) {
  CallLog call("Verify", context, deps_.metrics);
  const SendProgress send = [stream](const v1::Progress& p) {
    v1::VerifyEvent event;
    *event.mutable_progress() = p;
    stream->Write(event);
  };
  absl::StatusOr<audit::VerdictRecord> verdict = DoVerify(context, stream, call, send);
  if (!verdict.ok()) return call.Finish(verdict.status());
  call.SetVerdictId(verdict->id);
  v1::VerifyEvent event;
  *event.mutable_verdict() = VerdictToProto(*verdict);
  stream->Write(event);
  return call.Finish(grpc::Status::OK);
}

absl::StatusOr<audit::VerdictRecord> FingerprintingService::DoVerify(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::VerifyEvent, v1::VerifyRequest>* stream, CallLog& call,
    const SendProgress& send) {
  INFIP_ASSIGN_OR_RETURN(const auth::Caller caller, Admit(context, auth::Rpc::kVerify, call));
  INFIP_ASSIGN_OR_RETURN(const v1::VerifyRequest first,
                         ReadHeaderMessage<v1::VerifyRequest>(stream, context, "VerifyHeader"));
  const v1::VerifyHeader& header = first.header();
  if (header.registration_id().empty()) {
    return absl::InvalidArgumentError("VerifyHeader.registration_id is empty");
  }
  call.SetRegistrationId(header.registration_id());
  // The tenant check, before a byte of the model is received.
  INFIP_ASSIGN_OR_RETURN(const store::RegistrationSummary target,
                         deps_.store->GetSummary(header.registration_id()));
  INFIP_RETURN_IF_ERROR(auth::CheckVerifyTarget(caller, target));
  INFIP_ASSIGN_OR_RETURN(const ModelPlan model, PlanModel(header.model(), "VerifyHeader.model",
                                                          deps_.intake.max_upload_bytes));
  INFIP_RETURN_IF_ERROR(deps_.queue->CheckRoom());
  v1::VerifyRequest holder;
  INFIP_ASSIGN_OR_RETURN(const Intake intake,
                         ReceiveModel(deps_.intake, MakeIntakeCall(context, &call, send),
                                      std::nullopt, model, PartReader(stream, &holder)));
  INFIP_ASSIGN_OR_RETURN(const WorkQueue::Slot slot, WaitForWorker(context, send));
  ExtractionMeter meter(deps_.metrics);
  return deps_.auditor->Verify(header.registration_id(), intake.suspect,
                               MakeControl(context, send, &meter), caller.principal);
}

grpc::Status FingerprintingService::Screen(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::ScreenEvent, v1::ScreenRequest>* stream) {
  CallLog call("Screen", context, deps_.metrics);
  const SendProgress send = [stream](const v1::Progress& p) {
    v1::ScreenEvent event;
    *event.mutable_progress() = p;
    stream->Write(event);
  };
  absl::StatusOr<audit::ScreenOutcome> outcome = DoScreen(context, stream, call, send);
  if (!outcome.ok()) return call.Finish(outcome.status());
  // The log names the best match, the verdict a reader of the log would look for first.
  if (!outcome->verdicts.empty()) call.SetVerdictId(outcome->verdicts.front().id);
  v1::ScreenEvent event;
  *event.mutable_result() = ScreenResultToProto(*outcome);
  stream->Write(event);
  return call.Finish(grpc::Status::OK);
}

absl::StatusOr<audit::ScreenOutcome> FingerprintingService::DoScreen(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::ScreenEvent, v1::ScreenRequest>* stream, CallLog& call,
    const SendProgress& send) {
  INFIP_ASSIGN_OR_RETURN(const auth::Caller caller, Admit(context, auth::Rpc::kScreen, call));
  INFIP_ASSIGN_OR_RETURN(const v1::ScreenRequest first,
                         ReadHeaderMessage<v1::ScreenRequest>(stream, context, "ScreenHeader"));
  const v1::ScreenHeader& header = first.header();
  INFIP_ASSIGN_OR_RETURN(const std::optional<std::string> owner,
                         auth::ScreenScope(caller, header.owner()));
  INFIP_ASSIGN_OR_RETURN(const ModelPlan model, PlanModel(header.model(), "ScreenHeader.model",
                                                          deps_.intake.max_upload_bytes));
  INFIP_RETURN_IF_ERROR(deps_.queue->CheckRoom());
  v1::ScreenRequest holder;
  INFIP_ASSIGN_OR_RETURN(const Intake intake,
                         ReceiveModel(deps_.intake, MakeIntakeCall(context, &call, send),
                                      std::nullopt, model, PartReader(stream, &holder)));
  INFIP_ASSIGN_OR_RETURN(const WorkQueue::Slot slot, WaitForWorker(context, send));
  ExtractionMeter meter(deps_.metrics);
  return deps_.auditor->Screen(intake.suspect, owner, MakeControl(context, send, &meter),
                               caller.principal);
}

}  // namespace infip::server
