// device_check: runs infip's relevance engine on the same key images on the CPU and on a CUDA
// device and reports, per model and composite, how far the two agree (max |R_cuda - R_cpu|
// relative to max |R_cpu|, the per-image relevance sums, the ASSIM of the two fingerprint sets),
// whether two CUDA runs are bit-identical, and the CPU and GPU throughput of one model at
// several batch sizes, both measured in the same process. Criteria (options.h) decide the exit
// status; scripts/device-check.sh builds and runs it on a GPU machine, docs/gpu.md has results.
//
//   device_check --model vgg_like.pt:1x32x32 --bench tv_resnet18.pt:3x224x224 --require-cuda
//
// Without a CUDA device it runs the CPU side only and says what it skipped.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "agreement.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/common/version.h"
#include "infip/dtd/composite.h"
#include "infip/dtd/engine.h"
#include "infip/model/model.h"
#include "options.h"
#include "report.h"
#include "throughput.h"

namespace infip::devicecheck {
namespace {

using model::CanonicalModel;

// TF32 lets cuDNN and cuBLAS round float32 operands to 10 mantissa bits. LibTorch allows it for
// cuDNN convolutions by default; the check measures the engine as it ships and, for the default
// composite, once more with TF32 off, so that a disagreement can be traced to it or ruled out.
class Tf32Off {
 public:
  Tf32Off()
      : cudnn_(at::globalContext().allowTF32CuDNN()), cublas_(at::globalContext().allowTF32CuBLAS()) {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
  }
  ~Tf32Off() {
    at::globalContext().setAllowTF32CuDNN(cudnn_);
    at::globalContext().setAllowTF32CuBLAS(cublas_);
  }
  Tf32Off(const Tf32Off&) = delete;
  Tf32Off& operator=(const Tf32Off&) = delete;

 private:
  bool cudnn_;
  bool cublas_;
};

// Empty when LibTorch refuses to say: newer versions throw when the legacy TF32 flags and
// their newer per-op precision settings disagree.
std::optional<bool> Tf32Allowed() {
  try {
    return at::globalContext().allowTF32CuDNN() || at::globalContext().allowTF32CuBLAS();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Uniform noise in [0, 1) from a CPU generator of its own: the same keys on every device and
// every run, whatever else used the global generator.
absl::StatusOr<torch::Tensor> Keys(const ModelSpec& spec, int64_t n, uint64_t seed) {
  return CatchTorch("making the key images", [&] {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    return torch::rand({n, spec.shape[0], spec.shape[1], spec.shape[2]}, gen,
                       torch::TensorOptions().dtype(torch::kFloat32));
  });
}

absl::StatusOr<std::shared_ptr<const CanonicalModel>> Load(const ModelSpec& spec,
                                                           torch::Device device, int64_t n) {
  model::LoadOptions options;
  options.device = device;
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<CanonicalModel> m,
                         CanonicalModel::FromFile(spec.path, options));
  INFIP_RETURN_IF_ERROR(m->CheckInputShape({n, spec.shape[0], spec.shape[1], spec.shape[2]}));
  return std::shared_ptr<const CanonicalModel>(std::move(m));
}

absl::StatusOr<std::unique_ptr<dtd::RelevanceEngine>> Engine(
    std::shared_ptr<const CanonicalModel> m, const std::string& composite) {
  INFIP_ASSIGN_OR_RETURN(dtd::Composite c, dtd::Composite::ByName(composite));
  return dtd::RelevanceEngine::Create(std::move(m), std::move(c));
}

std::string Sci(double v) { return absl::StrFormat("%.3g", v); }

void ReportConservation(Report& r, const std::string& subject, const std::string& device,
                        const Conservation& c, bool conserving, const CheckOptions& o) {
  r.Value(subject, device + "_sum_min", c.min);
  r.Value(subject, device + "_sum_mean", c.mean);
  r.Value(subject, device + "_sum_max", c.max);
  if (!conserving) return;
  r.Criterion(subject, absl::StrCat(device, " conservation: |sum R - 1| <= ",
                                    Sci(o.conservation_tolerance), " per image"),
              c.worst_error <= o.conservation_tolerance,
              absl::StrCat("worst ", Sci(c.worst_error)));
}

// The device compared with the CPU: CUDA, or (--rehearse-on-cpu) a second CPU engine, which runs
// every comparison where no GPU exists.
struct Other {
  torch::Device device;
  std::string tag;  // "cuda" or "cpu_again", the prefix of its values
};

// Values and criteria of one comparison with the CPU; `tag` names the other configuration.
void ReportAgreement(Report& r, const std::string& subject, const std::string& tag,
                     const Agreement& a, const CheckOptions& o) {
  r.Value(subject, tag + "_predicted_mismatches", static_cast<double>(a.predicted_mismatches));
  r.Value(subject, tag + "_max_abs_diff", a.max_abs_diff);
  r.Value(subject, tag + "_max_abs_cpu", a.max_abs_reference);
  r.Value(subject, tag + "_relative_diff", a.relative_diff);
  r.Value(subject, tag + "_worst_image_relative_diff", a.worst_image_relative);
  r.Value(subject, tag + "_max_sum_diff", a.max_sum_diff);
  r.Value(subject, tag + "_assim", a.assim);
  r.Value(subject, tag + "_min_ssim", a.min_ssim);
  r.Value(subject, tag + "_fingerprint_pixels_equal", a.fingerprint_pixels_equal);
  r.Criterion(subject, tag + ": every image's predicted class equal to the CPU's",
              a.predicted_mismatches == 0,
              absl::StrCat(a.predicted_mismatches, " of ", a.images, " differ"));
  r.Criterion(subject,
              absl::StrCat(tag, ": max|R - R_cpu| / max|R_cpu| <= ", Sci(o.max_relative_diff)),
              a.relative_diff <= o.max_relative_diff, Sci(a.relative_diff));
  r.Criterion(subject, absl::StrCat(tag, ": ASSIM(fingerprints, CPU fingerprints) >= ", o.min_assim),
              a.assim >= o.min_assim, absl::StrFormat("%.6f", a.assim));
}

absl::Status CheckModel(const ModelSpec& spec, const CheckOptions& o,
                        const std::optional<Other>& other, Report& r) {
  INFIP_ASSIGN_OR_RETURN(auto cpu_model, Load(spec, torch::kCPU, o.keys));
  std::shared_ptr<const CanonicalModel> gpu_model;
  if (other) {
    INFIP_ASSIGN_OR_RETURN(gpu_model, Load(spec, other->device, o.keys));
  }
  INFIP_ASSIGN_OR_RETURN(torch::Tensor keys, Keys(spec, o.keys, o.seed));
  for (const std::string& composite : dtd::Composite::Names()) {
    const std::string subject = absl::StrCat(spec.Label(), " ", composite);
    const bool conserving = composite == dtd::Composite::kDefault;
    INFIP_ASSIGN_OR_RETURN(auto cpu_engine, Engine(cpu_model, composite));
    INFIP_ASSIGN_OR_RETURN(EngineRun cpu, RunEngine(*cpu_engine, keys, o.chunk_size));
    ReportConservation(r, subject, "cpu", ConservationOf(cpu.relevance), conserving, o);
    if (!other) continue;

    const std::string& tag = other->tag;
    INFIP_ASSIGN_OR_RETURN(auto gpu_engine, Engine(gpu_model, composite));
    INFIP_ASSIGN_OR_RETURN(EngineRun gpu, RunEngine(*gpu_engine, keys, o.chunk_size));
    INFIP_ASSIGN_OR_RETURN(EngineRun again, RunEngine(*gpu_engine, keys, o.chunk_size));
    ReportConservation(r, subject, tag, ConservationOf(gpu.relevance), conserving, o);
    INFIP_ASSIGN_OR_RETURN(Agreement a, Agree(cpu, gpu));
    ReportAgreement(r, subject, tag, a, o);
    INFIP_ASSIGN_OR_RETURN(Agreement repeat, Agree(gpu, again));
    r.Value(subject, tag + "_repeat_max_abs_diff", repeat.max_abs_diff);
    r.Criterion(subject, tag + ": two runs give bit-identical relevance", repeat.bit_identical,
                absl::StrCat("max diff ", Sci(repeat.max_abs_diff), ", fingerprint pixels equal ",
                             absl::StrFormat("%.6f", repeat.fingerprint_pixels_equal)));

    if (conserving && other->device.is_cuda() && Tf32Allowed().value_or(false)) {
      Tf32Off off;
      INFIP_ASSIGN_OR_RETURN(EngineRun exact, RunEngine(*gpu_engine, keys, o.chunk_size));
      INFIP_ASSIGN_OR_RETURN(Agreement b, Agree(cpu, exact));
      ReportAgreement(r, subject, "cuda_tf32_off", b, o);
    }
  }
  return absl::OkStatus();
}

absl::Status Bench(const ModelSpec& spec, const CheckOptions& o, const std::optional<Other>& other,
                   Report& r) {
  INFIP_ASSIGN_OR_RETURN(auto cpu_model, Load(spec, torch::kCPU, 1));
  INFIP_ASSIGN_OR_RETURN(auto cpu_engine, Engine(cpu_model, dtd::Composite::kDefault));
  std::unique_ptr<dtd::RelevanceEngine> gpu_engine;
  if (other) {
    INFIP_ASSIGN_OR_RETURN(auto gpu_model, Load(spec, other->device, 1));
    INFIP_ASSIGN_OR_RETURN(gpu_engine, Engine(gpu_model, dtd::Composite::kDefault));
  }
  for (int64_t batch : o.batches) {
    const std::string subject = absl::StrCat(spec.Label(), " dtd batch=", batch);
    INFIP_ASSIGN_OR_RETURN(torch::Tensor keys, Keys(spec, batch, o.seed + 1));
    INFIP_ASSIGN_OR_RETURN(Throughput cpu_t,
                           MeasureThroughput(*cpu_engine, keys, o.cpu_runs, false));
    r.Value(subject, "cpu_threads", static_cast<double>(at::get_num_threads()));
    r.Value(subject, "cpu_seconds", cpu_t.median_seconds);
    r.Value(subject, "cpu_images_per_s", cpu_t.images_per_second);
    if (!other) continue;
    const std::string& tag = other->tag;
    INFIP_ASSIGN_OR_RETURN(Throughput gpu_t, MeasureThroughput(*gpu_engine, keys, o.gpu_runs,
                                                               other->device.is_cuda()));
    r.Value(subject, tag + "_seconds", gpu_t.median_seconds);
    r.Value(subject, tag + "_images_per_s", gpu_t.images_per_second);
    r.Value(subject, tag + "_over_cpu", gpu_t.images_per_second / cpu_t.images_per_second);
    const EngineRun cpu_run = ToRun(cpu_t.last);
    const EngineRun gpu_run = ToRun(gpu_t.last);
    ReportConservation(r, subject, "cpu", ConservationOf(cpu_run.relevance), true, o);
    ReportConservation(r, subject, tag, ConservationOf(gpu_run.relevance), true, o);
    INFIP_ASSIGN_OR_RETURN(Agreement a, Agree(cpu_run, gpu_run));
    ReportAgreement(r, subject, tag, a, o);
  }
  return absl::OkStatus();
}

int Main(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << Usage();
      return 0;
    }
  }
  absl::StatusOr<CheckOptions> parsed = ParseOptions(args);
  if (!parsed.ok()) {
    std::cerr << "device_check: " << parsed.status().message() << " (--help lists the flags)\n";
    return 2;
  }
  const CheckOptions& o = *parsed;
  if (o.cpu_threads > 0) at::set_num_threads(o.cpu_threads);
  const bool cuda = torch::cuda::is_available();

  Report r(std::cout);
  r.Note(absl::StrCat("infip device check: ", kEngineVersion, ", LibTorch ", TORCH_VERSION,
                      ", CPU threads ", at::get_num_threads(), ", CUDA devices ",
                      cuda ? torch::cuda::device_count() : 0));
  if (!cuda && o.require_cuda) {
    std::cerr << "device_check: no CUDA device is visible to LibTorch (--require-cuda)\n";
    return 2;
  }
  std::optional<Other> other;
  if (o.rehearse_on_cpu) {
    other = Other{torch::kCPU, "cpu_again"};
    r.Note("REHEARSAL: comparing the CPU with a second CPU engine (--rehearse-on-cpu); these "
           "numbers show run-to-run agreement only, not a GPU's.");
  } else if (cuda) {
    other = Other{torch::Device(torch::kCUDA, 0), "cuda"};
    const std::optional<bool> tf32 = Tf32Allowed();
    r.Note(absl::StrCat("CUDA defaults: TF32 allowed for cuDNN or cuBLAS: ",
                        tf32 ? (*tf32 ? "yes" : "no") : "unknown (LibTorch would not say)"));
  } else {
    r.Note("NO CUDA DEVICE: this LibTorch sees no CUDA device. Running the CPU side only; "
           "SKIPPED: CPU/CUDA agreement, CUDA conservation, CUDA determinism, GPU throughput.");
  }

  bool errors = false;
  // The core's calls are wrapped already; this catches what the check's own tensor work throws.
  auto run = [&](const char* what, const ModelSpec& spec, auto fn) {
    absl::Status s;
    try {
      s = fn(spec, o, other, r);
    } catch (const std::exception& e) {
      s = absl::InternalError(absl::StrCat(what, ": ", TorchErrorSummary(e)));
    }
    if (!s.ok()) {
      r.Note(absl::StrCat("ERROR ", spec.Label(), ": ", s.ToString()));
      errors = true;
    }
  };
  for (const ModelSpec& spec : o.models) run("agreement", spec, CheckModel);
  for (const ModelSpec& spec : o.bench) run("throughput", spec, Bench);
  if (other && other->device.is_cuda()) {
    r.Note(absl::StrCat("cuDNN deterministic ", at::globalContext().deterministicCuDNN(),
                        ", cuDNN benchmark ", at::globalContext().benchmarkCuDNN()));
  }
  r.Summarise();
  if (errors) return 3;
  return r.AllPassed() ? 0 : 1;
}

}  // namespace
}  // namespace infip::devicecheck

int main(int argc, char** argv) {
  return infip::devicecheck::Main(std::vector<std::string>(argv + 1, argv + argc));
}
