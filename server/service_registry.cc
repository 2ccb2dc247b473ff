// GetRegistration, ListRegistrations, DeleteRegistration and GetEvidence: straight to the
// store or to the Auditor's evidence rendering, each row through the access policy's tenant
// rule (auth/policy.h) before anything of it is used or returned.
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
  const auto get = [&]() -> absl::Status {
    INFIP_ASSIGN_OR_RETURN(const auth::Caller caller,
                           Admit(context, auth::Rpc::kGetRegistration, call));
    INFIP_RETURN_IF_ERROR(CheckId(request->id(), "GetRegistrationRequest.id"));
    INFIP_ASSIGN_OR_RETURN(const store::RegistrationSummary summary,
                           deps_.store->GetSummary(request->id()));
    INFIP_RETURN_IF_ERROR(auth::CheckOwnRegistration(caller, summary, "show"));
    INFIP_ASSIGN_OR_RETURN(const store::Registration r, deps_.store->Get(request->id()));
    *response = RegistrationToProto(r, /*with_receipt=*/true);
    return absl::OkStatus();
  };
  return call.Finish(get());
}

grpc::Status FingerprintingService::ListRegistrations(grpc::ServerContext* context,
                                                      const v1::ListRegistrationsRequest* request,
                                                      v1::ListRegistrationsResponse* response) {
  CallLog call("ListRegistrations", context, deps_.metrics);
  const auto list = [&]() -> absl::Status {
    INFIP_ASSIGN_OR_RETURN(const auth::Caller caller,
                           Admit(context, auth::Rpc::kListRegistrations, call));
    INFIP_ASSIGN_OR_RETURN(store::ListFilter filter, ListFilterFromProto(*request));
    INFIP_ASSIGN_OR_RETURN(filter.owner, auth::ListScope(caller, request->owner()));
    INFIP_ASSIGN_OR_RETURN(const store::ListPage page, deps_.store->List(filter));
    for (const store::RegistrationSummary& s : page.registrations) {
      // The scope already holds the listing to the caller's rows; this says so of each.
      INFIP_RETURN_IF_ERROR(auth::CheckOwnRegistration(caller, s, "list"));
      *response->add_registrations() = SummaryToProto(s);
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  };
  return call.Finish(list());
}

grpc::Status FingerprintingService::DeleteRegistration(
    grpc::ServerContext* context, const v1::DeleteRegistrationRequest* request,
    v1::DeleteRegistrationResponse* /*response*/) {
  CallLog call("DeleteRegistration", context, deps_.metrics);
  call.SetRegistrationId(request->id());
  const auto remove = [&]() -> absl::Status {
    INFIP_ASSIGN_OR_RETURN(const auth::Caller caller,
                           Admit(context, auth::Rpc::kDeleteRegistration, call));
    INFIP_RETURN_IF_ERROR(CheckId(request->id(), "DeleteRegistrationRequest.id"));
    // Owners never change, so the row checked here is the row deleted.
    INFIP_ASSIGN_OR_RETURN(const store::RegistrationSummary summary,
                           deps_.store->GetSummary(request->id()));
    INFIP_RETURN_IF_ERROR(auth::CheckOwnRegistration(caller, summary, "delete"));
    return deps_.store->Delete(request->id());
  };
  return call.Finish(remove());
}

grpc::Status FingerprintingService::GetEvidence(grpc::ServerContext* context,
                                                const v1::GetEvidenceRequest* request,
                                                grpc::ServerWriter<v1::EvidenceImage>* writer) {
  CallLog call("GetEvidence", context, deps_.metrics);
  absl::StatusOr<std::vector<audit::EvidenceImage>> images = DoGetEvidence(context, *request, call);
  if (!images.ok()) return call.Finish(images.status());
  for (const audit::EvidenceImage& image : *images) {
    if (!writer->Write(EvidenceImageToProto(image))) {
      return call.Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                                      "the client went away while evidence was sent"));
    }
  }
  return call.Finish(grpc::Status::OK);
}

absl::StatusOr<std::vector<audit::EvidenceImage>> FingerprintingService::DoGetEvidence(
    grpc::ServerContext* context, const v1::GetEvidenceRequest& request, CallLog& call) {
  switch (request.target_case()) {
    case v1::GetEvidenceRequest::kVerdictId:
      call.SetVerdictId(request.verdict_id());
      break;
    case v1::GetEvidenceRequest::kRegistrationId:
      call.SetRegistrationId(request.registration_id());
      break;
    default:
      break;
  }
  INFIP_ASSIGN_OR_RETURN(const auth::Caller caller, Admit(context, auth::Rpc::kGetEvidence, call));
  if (request.max_keys() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "GetEvidenceRequest.max_keys: ", request.max_keys(), " is negative (0: every key)"));
  }
  switch (request.target_case()) {
    case v1::GetEvidenceRequest::kVerdictId: {
      INFIP_RETURN_IF_ERROR(CheckId(request.verdict_id(), "GetEvidenceRequest.verdict_id"));
      INFIP_ASSIGN_OR_RETURN(const store::VerdictSummary verdict,
                             deps_.store->GetVerdictSummary(request.verdict_id()));
      call.SetRegistrationId(verdict.registration_id);
      INFIP_ASSIGN_OR_RETURN(const store::RegistrationSummary registration,
                             deps_.store->GetSummary(verdict.registration_id));
      INFIP_ASSIGN_OR_RETURN(const audit::EvidenceView view,
                             auth::VerdictEvidenceView(caller, registration, verdict));
      return deps_.auditor->VerdictEvidence(request.verdict_id(), request.max_keys(), view);
    }
    case v1::GetEvidenceRequest::kRegistrationId: {
      INFIP_RETURN_IF_ERROR(
          CheckId(request.registration_id(), "GetEvidenceRequest.registration_id"));
      INFIP_ASSIGN_OR_RETURN(const store::RegistrationSummary registration,
                             deps_.store->GetSummary(request.registration_id()));
      INFIP_RETURN_IF_ERROR(
          auth::CheckOwnRegistration(caller, registration, "read the keys and fingerprints of"));
      return deps_.auditor->RegistrationEvidence(request.registration_id(), request.max_keys());
    }
    default:
      return absl::InvalidArgumentError(
          "GetEvidenceRequest names no target: set verdict_id or registration_id");
  }
}

}  // namespace infip::server
