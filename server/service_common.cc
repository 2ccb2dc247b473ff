// The pieces every model-bearing RPC of FingerprintingService shares: its intake settings,
// its wait for a worker, and the Auditor's Control for it.
#include <chrono>

#include "server/proto_convert.h"
#include "server/service.h"

namespace infip::server {

absl::Time CallDeadline(const grpc::ServerContext* context) {
  const auto deadline = context->deadline();
  // gRPC says "no deadline" with the largest time point, which absl would take literally.
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

absl::StatusOr<auth::Caller> FingerprintingService::Admit(grpc::ServerContext* context,
                                                          auth::Rpc rpc, CallLog& call) const {
  call.SetAudited(auth::RuleFor(rpc).audited);
  absl::StatusOr<auth::Caller> caller = deps_.access->Authenticate(*context);
  if (!caller.ok()) return caller.status();
  call.SetPrincipal(caller->principal);
  if (absl::Status allowed = auth::CheckRole(*caller, rpc); !allowed.ok()) return allowed;
  return caller;
}

IntakeCall FingerprintingService::MakeIntakeCall(grpc::ServerContext* context, CallLog* log,
                                                 SendProgress send) const {
  IntakeCall call;
  call.cancelled = [context] { return context->IsCancelled(); };
  call.deadline = CallDeadline(context);
  call.progress = std::move(send);
  call.log = log;
  return call;
}

absl::StatusOr<WorkQueue::Slot> FingerprintingService::WaitForWorker(
    grpc::ServerContext* context, const SendProgress& send) const {
  const auto queued = [&send](int64_t place) {
    v1::Progress p;
    p.set_stage(v1::STAGE_QUEUED);
    p.set_done(place);
    send(p);
  };
  WorkQueue::Wait wait;
  wait.cancelled = [context] { return context->IsCancelled(); };
  wait.deadline = CallDeadline(context);
  wait.on_position = queued;
  absl::StatusOr<WorkQueue::Slot> slot = deps_.queue->Acquire(wait);
  // Place 0: a worker now. Clients see QUEUED once either way, so every stream reads alike.
  if (slot.ok()) queued(0);
  return slot;
}

audit::Control FingerprintingService::MakeControl(grpc::ServerContext* context,
                                                  SendProgress send,
                                                  ExtractionMeter* meter) const {
  audit::Control control;
  control.cancelled = [context] { return context->IsCancelled(); };
  control.deadline = CallDeadline(context);
  control.progress = [send = std::move(send), meter](const audit::Progress& p) {
    if (meter != nullptr) meter->Observe(p);
    send(ProgressToProto(p));
  };
  return control;
}

}  // namespace infip::server
