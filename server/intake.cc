#include "server/intake.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/fetch/upload_sink.h"
#include "server/absl_view.h"

namespace infip::server {
namespace {

// RECEIVING events at most every this many bytes (and at the start and the end): enough for a
// progress bar, few enough not to rival the upload itself.
constexpr int64_t kProgressStep = kMiB;

void Emit(const IntakeCall& call, v1::Stage stage, int64_t done, int64_t total) {
  if (!call.progress) return;
  v1::Progress p;
  p.set_stage(stage);
  p.set_done(done);
  p.set_total(total);
  call.progress(p);
}

// Counts received bytes for the request log and the metrics, and reports RECEIVING.
class ReceiveMeter {
 public:
  ReceiveMeter(const IntakeEnv& env, const IntakeCall& call, int64_t total)
      : env_(env), call_(call), total_(total) {
    if (total_ > 0) Emit(call_, v1::STAGE_RECEIVING, 0, total_);
  }
  void operator()(int64_t received) {
    const int64_t delta = received - counted_;
    counted_ = received;
    if (call_.log != nullptr) call_.log->AddBytesIn(delta);
    if (env_.metrics != nullptr) env_.metrics->AddBytesReceived("upload", delta);
    if (received - reported_ >= kProgressStep || received == total_) {
      reported_ = received;
      Emit(call_, v1::STAGE_RECEIVING, received, total_);
    }
  }

 private:
  const IntakeEnv& env_;
  const IntakeCall& call_;
  const int64_t total_;
  int64_t counted_ = 0;
  int64_t reported_ = 0;
};

absl::StatusOr<fetch::StagedFile> FetchHandle(const IntakeEnv& env, const IntakeCall& call,
                                              const ModelPlan& model) {
  if (env.fetcher == nullptr) {
    return absl::FailedPreconditionError("this server fetches no remote handles");
  }
  Emit(call, v1::STAGE_FETCHING, 0, 0);
  fetch::FetchControl control;
  control.deadline = call.deadline;
  control.cancelled = call.cancelled;
  INFIP_ASSIGN_OR_RETURN(fetch::StagedFile file,
                         env.fetcher->Fetch(model.handle, model.sha256_pin, control));
  if (env.metrics != nullptr) env.metrics->AddBytesReceived("fetch", file.size());
  Emit(call, v1::STAGE_FETCHING, file.size(), file.size());
  return file;
}

}  // namespace

std::string DefaultModelName(std::string_view handle) {
  std::string_view path = handle;
  // A query may carry a token, and a fragment is nobody's file name.
  path = path.substr(0, path.find_first_of("?#"));
  const size_t slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  return path.empty() ? "suspect.pt" : std::string(path);
}

absl::StatusOr<ModelPlan> PlanModel(const v1::ModelSource& source, std::string_view field,
                                    int64_t max_upload_bytes) {
  ModelPlan plan;
  switch (source.source_case()) {
    case v1::ModelSource::kUploadBytes:
      INFIP_RETURN_IF_ERROR(CheckDeclaredBytes(source.upload_bytes(), max_upload_bytes,
                                               absl::StrCat(Absl(field), ".upload_bytes"), "model"));
      plan.upload_bytes = source.upload_bytes();
      break;
    case v1::ModelSource::kHandle:
      if (source.handle().uri().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(Absl(field), ".handle.uri is empty"));
      }
      plan.handle = source.handle().uri();
      plan.sha256_pin = source.handle().sha256();
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(field), " names no model: set upload_bytes or handle"));
  }
  plan.name = !source.name().empty()
                  ? source.name()
                  : (plan.upload_bytes ? std::string("suspect.pt") : DefaultModelName(plan.handle));
  return plan;
}

absl::StatusOr<Intake> ReceiveModel(const IntakeEnv& env, const IntakeCall& call,
                                    std::optional<int64_t> key_set_bytes, const ModelPlan& model,
                                    const std::function<bool(StreamPart*)>& next) {
  if (key_set_bytes) {
    INFIP_RETURN_IF_ERROR(CheckDeclaredBytes(*key_set_bytes, env.max_key_set_bytes,
                                             "KeySetInfo.npy_bytes", "key set"));
  }
  UploadPlan plan;
  plan.key_set_bytes = key_set_bytes;
  std::unique_ptr<fetch::UploadSink> sink;
  if (model.upload_bytes) {
    plan.payload = PartKind::kModel;
    plan.payload_bytes = *model.upload_bytes;
    INFIP_ASSIGN_OR_RETURN(sink, fetch::UploadSink::Create(env.temp_dir, env.max_upload_bytes));
  }
  ReceiveMeter meter(env, call, key_set_bytes.value_or(0) + plan.payload_bytes);
  UploadIo io;
  io.next = next;
  io.cancelled = call.cancelled;
  io.payload = [&sink](std::string_view chunk) { return sink->Append(chunk); };
  io.on_bytes = [&meter](int64_t received) { meter(received); };

  Intake intake;
  // On any error the sink's destructor deletes the partial file.
  INFIP_ASSIGN_OR_RETURN(intake.key_set_npy, ReceiveUpload(plan, io));
  if (sink != nullptr) {
    INFIP_ASSIGN_OR_RETURN(fetch::StagedFile file, sink->Finish());
    intake.model.emplace(std::move(file));
  } else {
    INFIP_ASSIGN_OR_RETURN(fetch::StagedFile file, FetchHandle(env, call, model));
    intake.model.emplace(std::move(file));
  }
  intake.suspect.path = intake.model->path();
  intake.suspect.sha256 = intake.model->sha256();
  intake.suspect.name = model.name;
  return intake;
}

absl::StatusOr<Intake> ReceiveFingerprints(const IntakeEnv& env, const IntakeCall& call,
                                           int64_t key_set_bytes, int64_t fingerprints_bytes,
                                           const std::function<bool(StreamPart*)>& next) {
  INFIP_RETURN_IF_ERROR(CheckDeclaredBytes(key_set_bytes, env.max_key_set_bytes,
                                           "KeySetInfo.npy_bytes", "key set"));
  INFIP_RETURN_IF_ERROR(CheckDeclaredBytes(fingerprints_bytes, env.max_fingerprint_bytes,
                                           "RegisterFingerprintsHeader.fingerprints_bytes",
                                           "fingerprint set"));
  Intake intake;
  intake.fingerprints.reserve(static_cast<size_t>(fingerprints_bytes));
  UploadPlan plan;
  plan.key_set_bytes = key_set_bytes;
  plan.payload = PartKind::kFingerprints;
  plan.payload_bytes = fingerprints_bytes;
  ReceiveMeter meter(env, call, key_set_bytes + fingerprints_bytes);
  UploadIo io;
  io.next = next;
  io.cancelled = call.cancelled;
  io.payload = [&intake](std::string_view chunk) {
    intake.fingerprints.append(chunk);
    return absl::OkStatus();
  };
  io.on_bytes = [&meter](int64_t received) { meter(received); };
  INFIP_ASSIGN_OR_RETURN(intake.key_set_npy, ReceiveUpload(plan, io));
  return intake;
}

}  // namespace infip::server
