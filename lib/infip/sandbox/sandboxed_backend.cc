#include "infip/sandbox/sandboxed_backend.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "infip/common/status_macros.h"
#include "infip/io/sha256.h"
#include "infip/sandbox/channel.h"
#include "infip/sandbox/worker_failure.h"
#include "spdlog/spdlog.h"

namespace infip::sandbox {
namespace {

constexpr uint64_t kSmallReply = 1 << 20;
constexpr double kValuesAt224 = 3.0 * 224 * 224;

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// One request's worker, from the Job on.
class SandboxedSession final : public audit::ModelSession {
 public:
  SandboxedSession(WorkerPool* pool, std::unique_ptr<WorkerProcess> worker,
                   const SandboxLimits& limits, std::string sha256)
      : pool_(pool), worker_(std::move(worker)), limits_(limits), sha256_(std::move(sha256)) {}

  // The reply is not held up by the worker's exit: the pool reaps it.
  ~SandboxedSession() override { pool_->Retire(std::move(worker_)); }

  const std::string& sha256() const override { return sha256_; }

  absl::Status CheckAccepts(const std::vector<int64_t>& batch_shape,
                            const audit::Control& control) override;
  absl::StatusOr<audit::Extraction> Extract(const io::KeySet& keys,
                                            const audit::ExtractionSettings& settings,
                                            const audit::Control& control) override;

  // Sends the Job and waits for Loaded.
  absl::Status Load(const Job& job, int model_fd, const audit::Control& control);

 private:
  // Sends a request; a worker that is gone is described.
  absl::Status Send(MessageType type, std::string_view payload, std::string_view doing,
                    int pass_fd = -1);
  // The next frame, within `limit` and the call's own cancellation and deadline; any failure
  // kills the worker and says why.
  absl::StatusOr<Frame> Await(std::string_view doing, absl::Duration limit, const char* flag,
                              const audit::Control& control, uint64_t max_bytes);
  absl::Status Ended(std::string_view doing);
  absl::Status Broken(std::string_view doing, std::string_view what);

  WorkerPool* const pool_;
  std::unique_ptr<WorkerProcess> worker_;
  const SandboxLimits& limits_;
  const std::string sha256_;
  int64_t model_bytes_ = 0;
  bool usable_ = true;  // false once the worker was killed or misbehaved
};

absl::Status SandboxedSession::Ended(std::string_view doing) {
  usable_ = false;
  const WorkerExit end = worker_->Kill();
  return DescribeWorkerEnd(end, doing, WorkerLimits{limits_.memory_bytes, limits_.cpu_time},
                           worker_->StderrTail(), worker_->pid());
}

absl::Status SandboxedSession::Broken(std::string_view doing, std::string_view what) {
  usable_ = false;
  worker_->Kill();
  spdlog::warn("sandboxed worker {}: a malformed reply while {}: {}", worker_->pid(), doing, what);
  return absl::InternalError(absl::StrCat("the sandboxed worker sent a malformed reply while ",
                                          View(doing), ": ", View(what)));
}

absl::Status SandboxedSession::Send(MessageType type, std::string_view payload,
                                    std::string_view doing, int pass_fd) {
  if (!usable_) {
    return absl::FailedPreconditionError("this model's sandboxed worker has ended");
  }
  absl::Status sent = worker_->channel().Send(type, payload, pass_fd);
  if (sent.ok()) return sent;
  return Ended(doing);
}

absl::StatusOr<Frame> SandboxedSession::Await(std::string_view doing, absl::Duration limit,
                                              const char* flag, const audit::Control& control,
                                              uint64_t max_bytes) {
  const absl::Time stage_deadline = absl::Now() + limit;
  bool callers = false;
  const auto check = [&]() -> absl::Status {
    absl::Status go_on = audit::CheckControl(control, doing);
    if (!go_on.ok()) {
      callers = true;
      return go_on;
    }
    if (absl::Now() >= stage_deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(View(doing), " took longer than the sandboxed worker's limit of ",
                       absl::FormatDuration(limit), " (", flag, ")"));
    }
    return absl::OkStatus();
  };
  absl::StatusOr<Frame> frame = worker_->channel().Receive(max_bytes, worker_->MakeWait(check));
  if (frame.ok()) return frame;
  const absl::Status& s = frame.status();
  if (callers || absl::IsDeadlineExceeded(s)) {
    usable_ = false;
    const WorkerExit end = worker_->Kill();
    if (!callers) {
      spdlog::warn("sandboxed worker {} killed ({}): {}", worker_->pid(), end.Describe(),
                   std::string(s.message()));
    }
    return s;
  }
  if (absl::IsUnavailable(s)) return Ended(doing);
  return Broken(doing, std::string(s.message()));
}

absl::Status SandboxedSession::Load(const Job& job, int model_fd, const audit::Control& control) {
  model_bytes_ = job.model_bytes;
  const char* doing = "loading the model";
  INFIP_RETURN_IF_ERROR(Send(MessageType::kJob, Encode(job), doing, model_fd));
  INFIP_ASSIGN_OR_RETURN(Frame frame, Await(doing, LoadTimeout(limits_, job.model_bytes),
                                            "--worker-load-timeout", control, kSmallReply));
  absl::StatusOr<Loaded> loaded = DecodeLoaded(frame.payload);
  if (frame.type != MessageType::kLoaded) {
    return Broken(doing, absl::StrCat("a ", MessageName(frame.type), " instead of Loaded"));
  }
  if (!loaded.ok()) return Broken(doing, std::string(loaded.status().message()));
  if (!loaded->status.ok()) {
    usable_ = false;
    return loaded->status;
  }
  spdlog::debug("sandboxed worker {} loaded {} ({} entries, {} uncompressed) in {:.3f} s; {}",
                worker_->pid(), sha256_, loaded->archive_entries, ByteText(loaded->archive_bytes),
                loaded->load_seconds, loaded->confinement);
  return absl::OkStatus();
}

absl::Status SandboxedSession::CheckAccepts(const std::vector<int64_t>& batch_shape,
                                            const audit::Control& control) {
  INFIP_RETURN_IF_ERROR(audit::CheckControl(control, "checking input shapes"));
  if (batch_shape.size() != 4) {
    return absl::InvalidArgumentError("a batch shape must be N x C x H x W");
  }
  const char* doing = "checking input shapes";
  INFIP_RETURN_IF_ERROR(Send(MessageType::kCheckShape, Encode(CheckShape{batch_shape}), doing));
  INFIP_ASSIGN_OR_RETURN(
      Frame frame,
      Await(doing, ExtractTimeout(limits_, 1, batch_shape[1] * batch_shape[2] * batch_shape[3]),
            "--worker-extract-timeout", control, kSmallReply));
  absl::StatusOr<ShapeResult> result = DecodeShapeResult(frame.payload);
  if (frame.type != MessageType::kShapeResult) {
    return Broken(doing, absl::StrCat("a ", MessageName(frame.type), " instead of ShapeResult"));
  }
  if (!result.ok()) return Broken(doing, std::string(result.status().message()));
  if (result->status.ok() || absl::IsFailedPrecondition(result->status)) return result->status;
  // The model's own error on a probe key: it does not take this shape.
  return absl::FailedPreconditionError(result->status.message());
}

absl::StatusOr<audit::Extraction> SandboxedSession::Extract(
    const io::KeySet& keys, const audit::ExtractionSettings& settings,
    const audit::Control& control) {
  INFIP_RETURN_IF_ERROR(audit::CheckExtractionRequest(keys, settings));
  const char* doing = "extracting fingerprints";
  ExtractRequest request;
  request.inputs = keys.inputs.to(torch::kCPU, torch::kFloat).contiguous();
  request.box_low = keys.box_low;
  request.box_high = keys.box_high;
  request.settings = settings;
  INFIP_ASSIGN_OR_RETURN(std::string payload, Encode(request));
  INFIP_RETURN_IF_ERROR(audit::CheckControl(control, doing));
  INFIP_RETURN_IF_ERROR(Send(MessageType::kExtract, payload, doing));
  payload.clear();
  payload.shrink_to_fit();

  const int64_t n = keys.inputs.size(0);
  const int64_t values = keys.inputs.size(1) * keys.inputs.size(2) * keys.inputs.size(3);
  const int64_t pixels = keys.inputs.size(2) * keys.inputs.size(3);
  // images + predictions (+ relevance) + room for the framing.
  const uint64_t max_reply = static_cast<uint64_t>(n) * (pixels + 8) +
                             (settings.keep_relevance ? static_cast<uint64_t>(n) * values * 4 : 0) +
                             kSmallReply;
  WireLimits wire;
  wire.max_tensor_bytes = static_cast<int64_t>(max_reply);
  const absl::Duration limit = ExtractTimeout(limits_, n, values);
  const absl::Time deadline = absl::Now() + limit;
  for (;;) {
    INFIP_ASSIGN_OR_RETURN(Frame frame,
                           Await(doing, std::max(deadline - absl::Now(), absl::ZeroDuration()),
                                 "--worker-extract-timeout", control, max_reply));
    if (frame.type == MessageType::kProgress) {
      absl::StatusOr<ProgressReport> p = DecodeProgress(frame.payload);
      if (!p.ok()) return Broken(doing, std::string(p.status().message()));
      if (p->total != n) return Broken(doing, "progress over another number of keys");
      audit::Report(control, audit::Stage::kExtracting, p->done, p->total);
      continue;
    }
    if (frame.type != MessageType::kExtracted) {
      return Broken(doing, absl::StrCat("a ", MessageName(frame.type), " instead of Extracted"));
    }
    absl::StatusOr<Extracted> extracted = DecodeExtracted(frame.payload, wire);
    if (!extracted.ok()) return Broken(doing, std::string(extracted.status().message()));
    if (!extracted->status.ok()) return extracted->status;
    absl::StatusOr<audit::Extraction> out =
        audit::AssembleExtraction(std::move(extracted->raw), keys, settings, sha256_);
    if (absl::IsInternal(out.status())) return Broken(doing, std::string(out.status().message()));
    return out;
  }
}

absl::StatusOr<std::string> Hash(const audit::SuspectModel& model) {
  if (!model.sha256.empty()) return model.sha256;
  return io::Sha256File(model.path);
}

}  // namespace

absl::Duration LoadTimeout(const SandboxLimits& limits, int64_t model_bytes) {
  if (limits.load_timeout > absl::ZeroDuration()) return limits.load_timeout;
  return absl::Seconds(60) +
         absl::Seconds(60.0 * static_cast<double>(model_bytes) / (int64_t{1} << 30));
}

absl::Duration ExtractTimeout(const SandboxLimits& limits, int64_t keys, int64_t values_per_key) {
  if (limits.extract_timeout > absl::ZeroDuration()) return limits.extract_timeout;
  return absl::Seconds(120) +
         absl::Seconds(10.0 * static_cast<double>(keys) * values_per_key / kValuesAt224);
}

absl::StatusOr<std::unique_ptr<audit::ModelSession>> SandboxedBackend::Open(
    const audit::SuspectModel& model, const audit::Control& control) {
  INFIP_RETURN_IF_ERROR(audit::CheckControl(control, "loading the model"));
  audit::Report(control, audit::Stage::kLoading);
  INFIP_ASSIGN_OR_RETURN(std::string sha256, Hash(model));
  UniqueFd fd(::open(model.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT)
      return absl::NotFoundError(absl::StrCat("model file not found: ", model.path));
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open the model file ", model.path));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(model.path, " is not a regular file"));
  }
  if (st.st_size == 0) return absl::InvalidArgumentError("model file is empty");

  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<WorkerProcess> worker, pool_->Acquire([&] {
    return audit::CheckControl(control, "waiting for a sandboxed worker");
  }));
  Job job;
  job.device = worker->hello().device;
  job.model_bytes = st.st_size;
  job.model_sha256 = sha256;
  job.archive = limits_.archive;
  job.memory_bytes = limits_.memory_bytes;
  job.memory_as_data = limits_.memory_as_data;
  job.cpu_seconds = static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(limits_.cpu_time)));
  auto session = std::make_unique<SandboxedSession>(pool_, std::move(worker), limits_, sha256);
  INFIP_RETURN_IF_ERROR(session->Load(job, fd.get(), control));
  return session;
}

}  // namespace infip::sandbox
