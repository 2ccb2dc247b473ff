// The cost of the sandbox, side by side in one run: Auditor::Verify (load the suspect, extract
// S' on the registration's keys, compare, sign, store) with the model run in-process against
// the same with the model run by a pooled infip-worker, for
//   small          vgg_like.pt, 1 x 32 x 32, 100 keys
//   resnet18       a ResNet-18 with a CIFAR stem at full width, 3 x 32 x 32, 100 keys
//   resnet18_224   torchvision's ResNet-18, 3 x 224 x 224 (the paper's size), 16 keys
// The pool is warm before each sandboxed iteration (a replacement starts once the request is
// done, as on a server between requests). The worker's start (spawn to ready) is timed on its
// own: what a request pays when no worker is ready. Ratios are printed last:
// `sandboxed_over_in_process_<case>=<x>`.
//
//   infip_sandbox_bench --small vgg_like.pt --resnet resnet18.pt --resnet224 tv_resnet18.pt
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench_util.h"
#include "infip/audit/auditor.h"
#include "infip/io/key_set.h"
#include "infip/io/sha256.h"
#include "infip/sandbox/sandboxed_backend.h"
#include "infip/sandbox/worker_pool.h"
#include "infip/store/sqlite_store.h"
#include "infip/verdict/signer.h"

namespace {

using infip::audit::Auditor;
using infip::audit::Control;

std::string g_dir;
std::string g_worker;

// One model's fixture: a store holding its registration, and both ways to verify against it.
struct Case {
  std::string name;
  infip::audit::SuspectModel suspect;
  std::unique_ptr<infip::store::SqliteStore> store;
  std::unique_ptr<infip::verdict::Signer> signer;
  std::unique_ptr<infip::sandbox::WorkerPool> pool;
  std::unique_ptr<infip::sandbox::SandboxedBackend> backend;
  std::unique_ptr<Auditor> in_process, sandboxed;
  std::string registration_id;
};
std::vector<std::unique_ptr<Case>> g_cases;

infip::io::KeySet Keys(int64_t n, int64_t c, int64_t size) {
  torch::manual_seed(1);
  infip::io::KeySet keys;
  keys.inputs = torch::upsample_bilinear2d(torch::rand({n, c, 9, 9}), {size, size}, false)
                    .clamp(0.0, 1.0)
                    .contiguous();
  keys.box_low.assign(static_cast<size_t>(c), 0.0);
  keys.box_high.assign(static_cast<size_t>(c), 1.0);
  keys.preprocessing = "low=0 high=1";
  keys.sha256 = infip::io::KeySetSha256(keys.inputs);
  for (int64_t i = 0; i < n; ++i) keys.names.push_back(absl::StrCat("npy:", i));
  return keys;
}

template <typename T>
T OrDie(absl::StatusOr<T> v, const std::string& what) {
  if (!v.ok()) {
    std::cerr << "infip_sandbox_bench: " << what << ": " << v.status() << "\n";
    std::exit(3);
  }
  return *std::move(v);
}

std::unique_ptr<Case> MakeCase(const std::string& name, const std::string& path, int64_t n,
                               int64_t c, int64_t size) {
  auto k = std::make_unique<Case>();
  k->name = name;
  k->suspect.path = path;
  k->suspect.name = name;
  k->suspect.sha256 = OrDie(infip::io::Sha256File(path), path);
  k->store = OrDie(infip::store::SqliteStore::Open(g_dir + "/" + name + ".db"), "store");
  k->signer = OrDie(infip::verdict::Signer::LoadOrCreate(g_dir + "/key.pem"), "signer");
  infip::sandbox::PoolOptions options;
  options.launch.binary = g_worker;
  options.launch.prefault_bytes = int64_t{1} << 30;  // the server's default
  options.idle = 1;
  k->pool = OrDie(infip::sandbox::WorkerPool::Create(options), "worker pool");
  infip::sandbox::SandboxLimits limits;  // the server's defaults, as far as they matter here
  limits.memory_bytes = int64_t{8} << 30;
  limits.archive.max_uncompressed_bytes = int64_t{4} << 30;
  k->backend = std::make_unique<infip::sandbox::SandboxedBackend>(k->pool.get(), limits);
  infip::audit::AuditorOptions auditor_options;
  k->in_process =
      OrDie(Auditor::Create(auditor_options, k->store.get(), k->signer.get()), "auditor");
  k->sandboxed =
      OrDie(Auditor::Create(auditor_options, k->store.get(), k->signer.get(), k->backend.get()),
            "auditor");
  infip::audit::RegisterSettings settings;
  settings.owner = "bench";
  settings.model_name = name;
  k->registration_id =
      OrDie(k->in_process->RegisterModel(settings, Keys(n, c, size), k->suspect, Control{}),
            "register")
          .id;
  return k;
}

void Verify(benchmark::State& state, Case* k, bool sandboxed) {
  for (auto _ : state) {
    if (sandboxed) {
      state.PauseTiming();
      while (k->pool->idle() < 1) absl::SleepFor(absl::Milliseconds(5));
      state.ResumeTiming();
    }
    Auditor& auditor = sandboxed ? *k->sandboxed : *k->in_process;
    auto verdict = auditor.Verify(k->registration_id, k->suspect, Control{});
    if (!verdict.ok()) {
      state.SkipWithError(std::string(verdict.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(verdict->comparison.assim);
  }
}

void WorkerStart(benchmark::State& state) {
  infip::sandbox::WorkerLaunch launch;
  launch.binary = g_worker;
  for (auto _ : state) {
    auto worker = OrDie(infip::sandbox::WorkerProcess::Start(launch), "start");
    const absl::Status hello = worker->AwaitHello(absl::Minutes(1));
    if (!hello.ok()) state.SkipWithError(std::string(hello.message()).c_str());
    state.PauseTiming();
    worker.reset();
    state.ResumeTiming();
  }
}

}  // namespace

int main(int argc, char** argv) {
  using infip::bench::TakeFlag;
  std::string small, resnet, resnet224;
  TakeFlag(argc, argv, "--small", small);
  TakeFlag(argc, argv, "--resnet", resnet);
  TakeFlag(argc, argv, "--resnet224", resnet224);
  if (small.empty() || resnet.empty() || resnet224.empty()) {
    std::cerr << "usage: infip_sandbox_bench --small M.pt --resnet R.pt --resnet224 T.pt\n";
    return 2;
  }
  g_worker = OrDie(infip::sandbox::FindWorkerBinary(), "worker");
  std::string dir = (std::filesystem::temp_directory_path() / "infip-bench-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) return 3;
  g_dir = dir;
  g_cases.push_back(MakeCase("small", small, 100, 1, 32));
  g_cases.push_back(MakeCase("resnet18", resnet, 100, 3, 32));
  g_cases.push_back(MakeCase("resnet18_224", resnet224, 16, 3, 224));

  for (const auto& k : g_cases) {
    Case* c = k.get();
    benchmark::RegisterBenchmark(("BM_VerifyInProcess/" + c->name).c_str(),
                                 [c](benchmark::State& s) { Verify(s, c, false); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_VerifySandboxed/" + c->name).c_str(),
                                 [c](benchmark::State& s) { Verify(s, c, true); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("BM_WorkerStart", WorkerStart)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  infip::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  for (const auto& k : g_cases) {
    std::cout << "sandboxed_over_in_process_" << k->name << "="
              << reporter.Ratio("BM_VerifySandboxed/" + k->name + "/real_time",
                                "BM_VerifyInProcess/" + k->name + "/real_time")
              << "\n";
  }
  g_cases.clear();
  std::filesystem::remove_all(g_dir);
  return 0;
}
