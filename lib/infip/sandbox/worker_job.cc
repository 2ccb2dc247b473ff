#include "infip/sandbox/worker_job.h"

#include <dirent.h>
#include <malloc.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

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

// The model file's bytes, mapped read-only from its descriptor: no copy of what may be
// gigabytes, and nothing to read into first.
class MappedModel {
 public:
  static absl::StatusOr<MappedModel> Map(int fd, int64_t size) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return absl::ErrnoToStatus(errno, "the model's descriptor");
    if (!S_ISREG(st.st_mode) || st.st_size != size) {
      return absl::InvalidArgumentError(
          absl::StrCat("the model's descriptor is not the announced ", size, "-byte file"));
    }
    void* data = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) return absl::ErrnoToStatus(errno, "mapping the model");
    return MappedModel(data, static_cast<size_t>(size));
  }
  MappedModel(MappedModel&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(o.size_) {}
  MappedModel& operator=(MappedModel&&) = delete;
  ~MappedModel() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  [[nodiscard]] std::string_view bytes() const {
    return std::string_view(static_cast<const char*>(data_), size_);
  }

 private:
  MappedModel(void* data, size_t size) : data_(data), size_(size) {}
  void* data_;
  size_t size_;
};

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
  absl::StatusOr<MappedModel> mapped = MappedModel::Map(model_fd.get(), job.model_bytes);
  model_fd.Reset();
  if (!mapped.ok()) {
    loaded.status = NameMemoryLimit(mapped.status(), job);
    return loaded;
  }
  const std::string_view bytes = mapped->bytes();
  io::ArchiveLimits limits;
  limits.max_uncompressed_bytes = job.archive.max_uncompressed_bytes;
  limits.max_compression_ratio = job.archive.max_compression_ratio;
  limits.max_entries = job.archive.max_entries;
  limits.scan_source = job.archive.scan_source;
  absl::StatusOr<io::ArchiveSummary> archive = io::CheckModelArchive(bytes, limits);
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
      Guarded(job, [&] { return model::CanonicalModel::FromBytes(bytes, options); });
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

// Touches `bytes` of heap and keeps it: blocks under glibc's largest mmap threshold come from
// the heap, and the heap is never trimmed, so the job's tensors reuse pages already faulted in.
void Prefault(int64_t bytes) {
  constexpr size_t kBlock = size_t{16} << 20;
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the most glibc allows; also stops it adapting
  ::mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
  std::vector<void*> blocks;
  for (int64_t done = 0; done < bytes; done += kBlock) {
    void* block = std::malloc(kBlock);
    if (block == nullptr) break;
    std::memset(block, 0, kBlock);
    blocks.push_back(block);
  }
  for (void* block : blocks) std::free(block);
}

// A small classifier of the ops most models use (convolution, ReLU, max and adaptive average
// pooling, flatten, a linear head), as a TorchScript archive in memory.
std::string WarmUpArchive() {
  torch::jit::Module m("__torch__.InfipWorkerWarmUp");
  torch::manual_seed(0);
  m.register_parameter("conv", torch::randn({8, 3, 3, 3}) * 0.2, false);
  m.register_parameter("head", torch::randn({10, 8 * 4 * 4}) * 0.1, false);
  m.define(R"(
def forward(self, x):
    y = torch.relu(torch.conv2d(x, self.conv, None, [1, 1], [1, 1]))
    y = torch.max_pool2d(y, [2, 2])
    y = torch.adaptive_avg_pool2d(y, [4, 4])
    return torch.linear(torch.flatten(y, 1), self.head)
)");
  std::ostringstream out;
  m.save(out);
  return out.str();
}

// LibTorch's one-time costs, paid before any model arrives so that a pooled worker has paid
// them already: a small model goes through the job's own path (archive check, load, freeze,
// canonicalise, shape probe, relevance), which initialises the TorchScript loader and
// interpreter, the CPU kernels and their thread pools and, on a GPU, the CUDA context (whose
// device files the confinement would forbid opening later). Threads started here are
// confined with the rest when the job arrives (confine/landlock_threads.h).
absl::StatusOr<std::string> WarmUp(const std::string& device_name, int64_t prefault_bytes) {
  INFIP_ASSIGN_OR_RETURN(torch::Device device, audit::ParseDevice(device_name));
  if (prefault_bytes > 0) Prefault(prefault_bytes);
  INFIP_ASSIGN_OR_RETURN(std::string archive,
                         CatchTorch("making the warm-up model", [] { return WarmUpArchive(); }));
  INFIP_RETURN_IF_ERROR(io::CheckModelArchive(archive, io::ArchiveLimits{}).status());
  model::LoadOptions options;
  options.device = device;
  INFIP_ASSIGN_OR_RETURN(std::shared_ptr<const model::CanonicalModel> model,
                         model::CanonicalModel::FromBytes(archive, options));
  io::KeySet keys;
  keys.inputs = torch::rand({4, 3, 32, 32});
  keys.box_low.assign(3, 0.0);
  keys.box_high.assign(3, 1.0);
  audit::ExtractionSettings settings;
  settings.chunk_size = 2;
  INFIP_RETURN_IF_ERROR(audit::ExplainKeys(model, keys, settings, audit::Control{}).status());
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
  absl::StatusOr<std::string> device = WarmUp(args.device, args.prefault_bytes);
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
