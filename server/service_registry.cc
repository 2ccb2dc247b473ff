// GetRegistration, ListRegistrations, DeleteRegistration and GetEvidence: straight to the
// store or to the Auditor's evidence rendering.
#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "server/absl_view.h"
#include "server/proto_convert.h"
#include "server/service.h"
#include "server/status_map.h"

namespace infip::server {
namespace {

absl::Status CheckId(std::string_view id, std::string_view field) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(Absl(field), " is empty"));
  return absl::OkStatus();
}

}  // namespace

grpc::Status FingerprintingService::GetRegistration(grpc::ServerContext* context,
                                                    const v1::GetRegistrationRequest* request,
                                                    v1::Registration* response) {
  CallLog call("GetRegistration", context, deps_.metrics);
  call.SetRegistrationId(request->id());
  absl::Status status = CheckId(request->id(), "GetRegistrationRequest.id");
  if (status.ok()) {
    absl::StatusOr<store::Registration> r = deps_.store->Get(request->id());
    if (r.ok()) {
      *response = RegistrationToProto(*r, /*with_receipt=*/true);
    }
    status = r.status();
  }
  return call.Finish(ToGrpcStatus(status));
}

grpc::Status FingerprintingService::ListRegistrations(grpc::ServerContext* context,
                                                      const v1::ListRegistrationsRequest* request,
                                                      v1::ListRegistrationsResponse* response) {
  CallLog call("ListRegistrations", context, deps_.metrics);
  const auto list = [&]() -> absl::Status {
    INFIP_ASSIGN_OR_RETURN(const store::ListFilter filter, ListFilterFromProto(*request));
    INFIP_ASSIGN_OR_RETURN(const store::ListPage page, deps_.store->List(filter));
    for (const store::RegistrationSummary& s : page.registrations) {
      *response->add_registrations() = SummaryToProto(s);
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  };
  return call.Finish(ToGrpcStatus(list()));
}

grpc::Status FingerprintingService::DeleteRegistration(
    grpc::ServerContext* context, const v1::DeleteRegistrationRequest* request,
    v1::DeleteRegistrationResponse* /*response*/) {
  CallLog call("DeleteRegistration", context, deps_.metrics);
  call.SetRegistrationId(request->id());
  absl::Status status = CheckId(request->id(), "DeleteRegistrationRequest.id");
  if (status.ok()) status = deps_.store->Delete(request->id());
  return call.Finish(ToGrpcStatus(status));
}

grpc::Status FingerprintingService::GetEvidence(grpc::ServerContext* context,
                                                const v1::GetEvidenceRequest* request,
                                                grpc::ServerWriter<v1::EvidenceImage>* writer) {
  CallLog call("GetEvidence", context, deps_.metrics);
  const auto render = [&]() -> absl::StatusOr<std::vector<audit::EvidenceImage>> {
    if (request->max_keys() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "GetEvidenceRequest.max_keys: ", request->max_keys(), " is negative (0: every key)"));
    }
    switch (request->target_case()) {
      case v1::GetEvidenceRequest::kVerdictId:
        call.SetVerdictId(request->verdict_id());
        INFIP_RETURN_IF_ERROR(CheckId(request->verdict_id(), "GetEvidenceRequest.verdict_id"));
        return deps_.auditor->VerdictEvidence(request->verdict_id(), request->max_keys());
      case v1::GetEvidenceRequest::kRegistrationId:
        call.SetRegistrationId(request->registration_id());
        INFIP_RETURN_IF_ERROR(
            CheckId(request->registration_id(), "GetEvidenceRequest.registration_id"));
        return deps_.auditor->RegistrationEvidence(request->registration_id(),
                                                   request->max_keys());
      default:
        return absl::InvalidArgumentError(
            "GetEvidenceRequest names no target: set verdict_id or registration_id");
    }
  };
  absl::StatusOr<std::vector<audit::EvidenceImage>> images = render();
  if (!images.ok()) return call.Finish(ToGrpcStatus(images.status()));
  for (const audit::EvidenceImage& image : *images) {
    if (!writer->Write(EvidenceImageToProto(image))) {
      return call.Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                                      "the client went away while evidence was sent"));
    }
  }
  return call.Finish(grpc::Status::OK);
}

}  // namespace infip::server
