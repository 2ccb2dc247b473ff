// FingerprintingService: infip.v1.Fingerprinting over gRPC's synchronous API. It translates
// and nothing else — admits the caller (Admit: authentication and the RPC's roles, before any
// byte of the request is read), reads a request (intake.h for the streamed ones), applies the
// access policy's tenant rule to every row it reads (auth/policy.h), waits for a worker where
// a model must be explained (work_queue.h), calls the Auditor or the store, and turns the
// result into a reply and the absl::Status into the same gRPC status (status_map.h). Every
// RPC ends with one request log line and its metrics, and an audit line where the access
// policy asks for one (request_log.h).
//
// Implemented in one file per family: service_register.cc (RegisterModel,
// RegisterFingerprints), service_verify.cc (Verify, Screen), service_registry.cc
// (Get/List/DeleteRegistration, GetEvidence), service_info.cc (GetServerInfo).
//
//   FingerprintingService service(deps);
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);
#pragma once

#include <functional>
#include <string_view>

#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "infip/audit/auditor.h"
#include "infip/store/store.h"
#include "infip/v1/infip.grpc.pb.h"
#include "server/auth/access_control.h"
#include "server/extraction_meter.h"
#include "server/intake.h"
#include "server/metrics.h"
#include "server/work_queue.h"

namespace infip::server {

// What the service uses; everything must outlive it.
struct ServiceDeps {
  const auth::AccessControl* access = nullptr;
  audit::Auditor* auditor = nullptr;
  store::RegistrationStore* store = nullptr;
  WorkQueue* queue = nullptr;
  ServerMetrics* metrics = nullptr;  // may be null
  IntakeEnv intake;
  // ServerInfo without the registration count, which GetServerInfo asks the store for.
  v1::ServerInfo info;
};

class FingerprintingService final : public v1::Fingerprinting::Service {
 public:
  explicit FingerprintingService(ServiceDeps deps) : deps_(std::move(deps)) {}

  grpc::Status RegisterModel(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::RegisterModelEvent, v1::RegisterModelRequest>* stream) override;
  grpc::Status RegisterFingerprints(grpc::ServerContext* context,
                                    grpc::ServerReader<v1::RegisterFingerprintsRequest>* reader,
                                    v1::Registration* response) override;
  grpc::Status Verify(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<v1::VerifyEvent, v1::VerifyRequest>* stream) override;
  grpc::Status Screen(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<v1::ScreenEvent, v1::ScreenRequest>* stream) override;
  grpc::Status GetRegistration(grpc::ServerContext* context,
                               const v1::GetRegistrationRequest* request,
                               v1::Registration* response) override;
  grpc::Status ListRegistrations(grpc::ServerContext* context,
                                 const v1::ListRegistrationsRequest* request,
                                 v1::ListRegistrationsResponse* response) override;
  grpc::Status DeleteRegistration(grpc::ServerContext* context,
                                  const v1::DeleteRegistrationRequest* request,
                                  v1::DeleteRegistrationResponse* response) override;
  grpc::Status GetEvidence(grpc::ServerContext* context, const v1::GetEvidenceRequest* request,
                           grpc::ServerWriter<v1::EvidenceImage>* writer) override;
  grpc::Status GetServerInfo(grpc::ServerContext* context, const v1::GetServerInfoRequest* request,
                             v1::ServerInfo* response) override;

 private:
  using SendProgress = std::function<void(const v1::Progress&)>;

  // The caller of this call, authenticated and holding one of the RPC's roles; noted in the
  // call's log (and its audit line, for audited RPCs) either way.
  [[nodiscard]] absl::StatusOr<auth::Caller> Admit(grpc::ServerContext* context, auth::Rpc rpc,
                                                   CallLog& call) const;

  [[nodiscard]] IntakeCall MakeIntakeCall(grpc::ServerContext* context, CallLog* log,
                                          SendProgress send) const;
  // A worker for this call, reporting QUEUED (done: place in line; 0 when admitted at once).
  [[nodiscard]] absl::StatusOr<WorkQueue::Slot> WaitForWorker(grpc::ServerContext* context,
                                                              const SendProgress& send) const;
  // The Auditor's Control for this call: its progress goes to `send` and `meter`.
  [[nodiscard]] audit::Control MakeControl(grpc::ServerContext* context, SendProgress send,
                                           ExtractionMeter* meter) const;

  absl::StatusOr<store::Registration> DoRegisterModel(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::RegisterModelEvent, v1::RegisterModelRequest>* stream,
      CallLog& call, const SendProgress& send);
  absl::StatusOr<store::Registration> DoRegisterFingerprints(
      grpc::ServerContext* context, grpc::ServerReader<v1::RegisterFingerprintsRequest>* reader,
      CallLog& call);
  absl::StatusOr<audit::VerdictRecord> DoVerify(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::VerifyEvent, v1::VerifyRequest>* stream, CallLog& call,
      const SendProgress& send);
  absl::StatusOr<audit::ScreenOutcome> DoScreen(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::ScreenEvent, v1::ScreenRequest>* stream, CallLog& call,
      const SendProgress& send);
  absl::StatusOr<std::vector<audit::EvidenceImage>> DoGetEvidence(
      grpc::ServerContext* context, const v1::GetEvidenceRequest& request, CallLog& call);

  const ServiceDeps deps_;
};

// The call's deadline as absl::Time (InfiniteFuture when it has none).
[[nodiscard]] absl::Time CallDeadline(const grpc::ServerContext* context);

}  // namespace infip::server
