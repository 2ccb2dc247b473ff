// RegisterModel and RegisterFingerprints.
#include "infip/audit/key_upload.h"
#include "infip/common/status_macros.h"
#include "server/proto_convert.h"
#include "server/service.h"
#include "server/status_map.h"
#include "server/stream_parts.h"

namespace infip::server {

grpc::Status FingerprintingService::RegisterModel(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::RegisterModelEvent, v1::RegisterModelRequest>* stream) {
  CallLog call("RegisterModel", context, deps_.metrics);
  const SendProgress send = [stream](const v1::Progress& p) {
    v1::RegisterModelEvent event;
    *event.mutable_progress() = p;
    stream->Write(event);  // a client that stopped listening shows up as cancellation
  };
  absl::StatusOr<store::Registration> registration =
      DoRegisterModel(context, stream, call, send);
  if (!registration.ok()) return call.Finish(registration.status());
  call.SetRegistrationId(registration->id);
  v1::RegisterModelEvent event;
  *event.mutable_registration() = RegistrationToProto(*registration, /*with_receipt=*/true);
  stream->Write(event);
  return call.Finish(grpc::Status::OK);
}

absl::StatusOr<store::Registration> FingerprintingService::DoRegisterModel(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::RegisterModelEvent, v1::RegisterModelRequest>* stream,
    CallLog& call, const SendProgress& send) {
  INFIP_ASSIGN_OR_RETURN(const auth::Caller caller,
                         Admit(context, auth::Rpc::kRegisterModel, call));
  INFIP_ASSIGN_OR_RETURN(const v1::RegisterModelRequest first,
                         ReadHeaderMessage<v1::RegisterModelRequest>(stream, context,
                                                                     "RegisterModelHeader"));
  const v1::RegisterModelHeader& header = first.header();
  INFIP_ASSIGN_OR_RETURN(audit::RegisterSettings settings, RegisterSettingsFromProto(header));
  INFIP_ASSIGN_OR_RETURN(settings.owner, auth::OwnerOfNewRegistration(caller, header.owner()));
  settings.principal = caller.principal;
  call.SetOwner(settings.owner);
  INFIP_ASSIGN_OR_RETURN(const ModelPlan model, PlanModel(header.model(), "RegisterModelHeader.model",
                                                          deps_.intake.max_upload_bytes));
  // Refuse before the upload, not after it, when there is no room to wait for a worker.
  INFIP_RETURN_IF_ERROR(deps_.queue->CheckRoom());

  v1::RegisterModelRequest holder;
  INFIP_ASSIGN_OR_RETURN(Intake intake,
                         ReceiveModel(deps_.intake, MakeIntakeCall(context, &call, send),
                                      header.key_set().npy_bytes(), model,
                                      PartReader(stream, &holder)));
  INFIP_ASSIGN_OR_RETURN(
      io::KeySet keys,
      audit::DecodeKeySet(KeySetUploadFromProto(header.key_set(), std::move(intake.key_set_npy)),
                          deps_.auditor->options().limits));
  INFIP_ASSIGN_OR_RETURN(const WorkQueue::Slot slot, WaitForWorker(context, send));
  ExtractionMeter meter(deps_.metrics);
  return deps_.auditor->RegisterModel(settings, std::move(keys), intake.suspect,
                                      MakeControl(context, send, &meter));
}

grpc::Status FingerprintingService::RegisterFingerprints(
    grpc::ServerContext* context, grpc::ServerReader<v1::RegisterFingerprintsRequest>* reader,
    v1::Registration* response) {
  CallLog call("RegisterFingerprints", context, deps_.metrics);
  absl::StatusOr<store::Registration> registration =
      DoRegisterFingerprints(context, reader, call);
  if (!registration.ok()) return call.Finish(registration.status());
  call.SetRegistrationId(registration->id);
  *response = RegistrationToProto(*registration, /*with_receipt=*/true);
  return call.Finish(grpc::Status::OK);
}

absl::StatusOr<store::Registration> FingerprintingService::DoRegisterFingerprints(
    grpc::ServerContext* context, grpc::ServerReader<v1::RegisterFingerprintsRequest>* reader,
    CallLog& call) {
  INFIP_ASSIGN_OR_RETURN(const auth::Caller caller,
                         Admit(context, auth::Rpc::kRegisterFingerprints, call));
  INFIP_ASSIGN_OR_RETURN(
      const v1::RegisterFingerprintsRequest first,
      ReadHeaderMessage<v1::RegisterFingerprintsRequest>(reader, context,
                                                         "RegisterFingerprintsHeader"));
  const v1::RegisterFingerprintsHeader& header = first.header();
  INFIP_ASSIGN_OR_RETURN(audit::RegisterSettings settings, RegisterSettingsFromProto(header));
  INFIP_ASSIGN_OR_RETURN(settings.owner, auth::OwnerOfNewRegistration(caller, header.owner()));
  settings.principal = caller.principal;
  call.SetOwner(settings.owner);
  v1::RegisterFingerprintsRequest holder;
  // No extraction happens here (the owner did it), so no worker is needed.
  INFIP_ASSIGN_OR_RETURN(
      Intake intake,
      ReceiveFingerprints(deps_.intake, MakeIntakeCall(context, &call, nullptr),
                          header.key_set().npy_bytes(), header.fingerprints_bytes(),
                          PartReader(reader, &holder)));
  INFIP_ASSIGN_OR_RETURN(
      io::KeySet keys,
      audit::DecodeKeySet(KeySetUploadFromProto(header.key_set(), std::move(intake.key_set_npy)),
                          deps_.auditor->options().limits));
  return deps_.auditor->RegisterFingerprints(settings, std::move(keys),
                                             std::move(intake.fingerprints));
}

}  // namespace infip::server
