#include "infip/sandbox/worker_job.h"

#include <dirent.h>
#include <poll.h>
#include <sys/stat.h>
#include <torch/jit.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "infip/audit/extraction.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/confine/confinement.h"
#include "infip/io/model_archive.h"
#include "infip/model/model.h"
#include "infip/sandbox/channel.h"
#include "infip/sandbox/protocol.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace infip::sandbox {
namespace {

// Requests from the caller are trusted, but still bounded.
constexpr uint64_t kMaxRequestBytes = uint64_t{1} << 40;

std::string Bytes(int64_t n) {
  return n >= (int64_t{1} << 30) ? absl::StrFormat("%.1f GiB", n / double(int64_t{1} << 30))
                                 : absl::StrFormat("%.0f MiB", n / double(int64_t{1} << 20));
}

// An allocation that failed under the address-space limit reaches us as bad_alloc, or as
// LibTorch's "not enough memory" error wrapped into a status; say which limit it was.
absl::Status NameMemoryLimit(absl::Status s, const Job& job) {
  if (s.ok() || job.memory_bytes == 0) return s;
  const absl::string_view m = s.message();
  if (absl::StrContains(m, "not enough memory") || absl::StrContains(m, "bad_alloc") ||
      absl::StrContains(m, "Cannot allocate memory") || absl::StrContains(m, "out of memory")) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the model needs more memory than a worker may use (", Bytes(job.memory_bytes),
                     ", --worker-memory): ", m));
  }
  return s;
}

template <typename Fn>
auto Guarded(const Job& job, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return NameMemoryLimit(absl::ResourceExhaustedError("bad_alloc"), job);
  }
}

absl::StatusOr<std::string> ReadModel(int fd, int64_t size) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return absl::ErrnoToStatus(errno, "the model's descriptor");
  if (!S_ISREG(st.st_mode) || st.st_size != size) {
    return absl::InvalidArgumentError(
        absl::StrCat("the model's descriptor is not the announced ", size, "-byte file"));
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::DataLossError("the model file ended early");
    got += static_cast<size_t>(n);
  }
  return bytes;
}

// The descriptors this process has open.
std::vector<int> OpenDescriptors() {
  std::vector<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
  while (dirent* e = ::readdir(dir)) {
    int fd = -1;
    if (absl::SimpleAtoi(e->d_name, &fd) && fd != ::dirfd(dir)) fds.push_back(fd);
  }
  ::closedir(dir);
  return fds;
}

// Ends the worker when its caller goes away, even in the middle of an extraction: the
// caller's end of the socket closing is the only signal a worker needs.
void WatchCaller(int channel_fd) {
  std::thread([channel_fd] {
    pollfd p{channel_fd, POLLRDHUP, 0};
    for (;;) {
      if (::poll(&p, 1, -1) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
        std::_Exit(0);
      }
    }
  }).detach();
}

class Worker {
 public:
  Worker(Channel& channel, const WorkerArgs& args) : channel_(channel), args_(args) {}

  int Serve();

 private:
  [[nodiscard]] absl::Status Send(MessageType type, std::string payload) {
    return channel_.Send(type, payload);
  }
  [[nodiscard]] absl::StatusOr<Loaded> Load(const Job& job, UniqueFd model_fd);
  [[nodiscard]] absl::Status CheckShapeRequest(const Job& job, std::string_view payload);
  [[nodiscard]] absl::Status ExtractRequestIn(const Job& job, std::string_view payload);

  Channel& channel_;
  const WorkerArgs& args_;
  std::shared_ptr<const model::CanonicalModel> model_;
};

absl::StatusOr<Loaded> Worker::Load(const Job& job, UniqueFd model_fd) {
  Loaded loaded;
  confine::Policy policy;
  policy.memory_bytes = job.memory_bytes;
  policy.memory_as_data = job.memory_as_data;
  policy.cpu_seconds = job.cpu_seconds;
  // Everything open now is the worker's own: what it inherited beyond its channel was closed
  // at its start (RunWorker). On a GPU that includes the CUDA driver's device files, opened
  // during the warm-up; closing them would break CUDA, and reopening them is forbidden.
  policy.keep_fds = OpenDescriptors();
  // Confinement that fails is the caller's problem to report, not a reason to go on without.
  INFIP_ASSIGN_OR_RETURN(confine::Report report, confine::Apply(policy));
  loaded.confinement = report.Describe();
  WatchCaller(channel_.fd());

  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::string> bytes = ReadModel(model_fd.get(), job.model_bytes);
  model_fd.Reset();
  if (!bytes.ok()) {
    loaded.status = bytes.status();
    return loaded;
  }
  io::ArchiveLimits limits;
  limits.max_uncompressed_bytes = job.archive.max_uncompressed_bytes;
  limits.max_compression_ratio = job.archive.max_compression_ratio;
  limits.max_entries = job.archive.max_entries;
  limits.scan_source = job.archive.scan_source;
  absl::StatusOr<io::ArchiveSummary> archive = io::CheckModelArchive(*bytes, limits);
  if (!archive.ok()) {
    loaded.status = archive.status();
    return loaded;
  }
  loaded.archive_entries = archive->entries;
  loaded.archive_bytes = archive->uncompressed_bytes;

  absl::StatusOr<torch::Device> device = audit::ParseDevice(job.device);
  if (!device.ok()) {
    loaded.status = device.status();
    return loaded;
  }
  model::LoadOptions options;
  options.device = *device;
  absl::StatusOr<std::unique_ptr<model::CanonicalModel>> model =
      Guarded(job, [&] { return model::CanonicalModel::FromBytes(*bytes, options); });
  bytes->clear();
  bytes->shrink_to_fit();
  if (!model.ok()) {
    loaded.status = NameMemoryLimit(model.status(), job);
    return loaded;
  }
  model_ = std::move(*model);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  loaded.load_seconds = elapsed.count();
  return loaded;
}

absl::Status Worker::CheckShapeRequest(const Job& job, std::string_view payload) {
  INFIP_ASSIGN_OR_RETURN(CheckShape request, DecodeCheckShape(payload));
  ShapeResult result;
  result.status = Guarded(
      job, [&] { return NameMemoryLimit(audit::CheckAccepts(*model_, request.batch_shape), job); });
  return Send(MessageType::kShapeResult, Encode(result));
}

absl::Status Worker::ExtractRequestIn(const Job& job, std::string_view payload) {
  WireLimits limits;
  limits.max_tensor_bytes = static_cast<int64_t>(kMaxRequestBytes);
  INFIP_ASSIGN_OR_RETURN(ExtractRequest request, DecodeExtractRequest(payload, limits));
  io::KeySet keys;
  keys.inputs = std::move(request.inputs);
  keys.box_low = std::move(request.box_low);
  keys.box_high = std::move(request.box_high);

  audit::Control control;
  absl::Status channel_status;
  control.progress = [&](const audit::Progress& p) {
    if (p.stage != audit::Stage::kExtracting || !channel_status.ok()) return;
    channel_status = Send(MessageType::kProgress, Encode(ProgressReport{p.done, p.total}));
  };
  Extracted extracted;
  absl::StatusOr<audit::RawExtraction> raw =
      Guarded(job, [&] { return audit::ExplainKeys(model_, keys, request.settings, control); });
  INFIP_RETURN_IF_ERROR(channel_status);
  if (raw.ok()) {
    extracted.raw = *std::move(raw);
  } else {
    extracted.status = NameMemoryLimit(raw.status(), job);
  }
  INFIP_ASSIGN_OR_RETURN(std::string reply, Encode(extracted));
  return Send(MessageType::kExtracted, std::move(reply));
}

int Worker::Serve() {
  absl::StatusOr<Frame> first = channel_.Receive(1 << 20);
  if (!first.ok()) return absl::IsUnavailable(first.status()) ? 0 : kWorkerChannelBroken;
  if (first->type == MessageType::kBye) return 0;
  absl::StatusOr<Job> job = DecodeJob(first->payload);
  if (first->type != MessageType::kJob || !job.ok() || !first->fd.valid()) {
    spdlog::error("the first request is not a Job with a model: {}",
                  job.ok() ? MessageName(first->type) : job.status().ToString());
    return kWorkerChannelBroken;
  }
  absl::StatusOr<Loaded> loaded = Load(*job, std::move(first->fd));
  if (!loaded.ok()) {
    spdlog::error("cannot confine the worker: {}", loaded.status().ToString());
    return kWorkerConfinementFailed;
  }
  if (!Send(MessageType::kLoaded, Encode(*loaded)).ok()) return kWorkerChannelBroken;
  if (!loaded->status.ok()) return 0;

  for (;;) {
    absl::StatusOr<Frame> frame = channel_.Receive(kMaxRequestBytes);
    if (!frame.ok()) return absl::IsUnavailable(frame.status()) ? 0 : kWorkerChannelBroken;
    absl::Status handled;
    switch (frame->type) {
      case MessageType::kCheckShape:
        handled = CheckShapeRequest(*job, frame->payload);
        break;
      case MessageType::kExtract:
        handled = ExtractRequestIn(*job, frame->payload);
        break;
      case MessageType::kBye:
        return 0;
      default:
        handled = absl::InvalidArgumentError(absl::StrCat("unexpected ", MessageName(frame->type)));
    }
    if (!handled.ok()) {
      spdlog::error("request {}: {}", MessageName(frame->type), handled.ToString());
      return kWorkerChannelBroken;
    }
  }
}

// LibTorch's one-time set-up, done before any model arrives so that a pooled worker has paid
// for it already: the TorchScript compiler's builtins and, on a GPU, the CUDA context (which
// opens device files that the confinement will forbid later).
absl::StatusOr<std::string> WarmUp(const std::string& device_name) {
  INFIP_ASSIGN_OR_RETURN(torch::Device device, audit::ParseDevice(device_name));
  INFIP_RETURN_IF_ERROR(CatchTorchVoid("initialising LibTorch", [&] {
    auto unit = torch::jit::compile("def f(x):\n    return torch.relu(x) + 1\n");
    (void)unit->get_function("f")({torch::zeros({1}, torch::TensorOptions().device(device))});
  }));
  return device.str();
}

}  // namespace

int RunWorker(const WorkerArgs& args) {
  // Nothing the spawning process left open by mistake survives the first line (the
  // confinement closes the rest, stdin and stdout, before the model is read).
  if (args.channel_fd != 3) return kWorkerBadArguments;
  ::close_range(4, ~0U, 0);
  // stdout belongs to nobody; logs go to stderr, which the caller reads.
  spdlog::set_default_logger(spdlog::stderr_logger_st("infip-worker"));
  spdlog::set_pattern("infip-worker[%P] %l: %v");
  Channel channel{UniqueFd(args.channel_fd)};
  absl::StatusOr<std::string> device = WarmUp(args.device);
  if (!device.ok()) {
    spdlog::error("{}", device.status().ToString());
    return kWorkerBadArguments;
  }
  Hello hello;
  hello.pid = ::getpid();
  hello.device = *device;
  hello.confinement = "none yet: the worker confines itself when its job arrives";
  if (!channel.Send(MessageType::kHello, Encode(hello)).ok()) return kWorkerChannelBroken;
  Worker worker(channel, args);
  return worker.Serve();
}

}  // namespace infip::sandbox
