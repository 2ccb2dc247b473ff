// Side-by-side timings on one model and one batch, in one process:
//   DTD extraction (forward + relevance back to the pixels)  vs  forward + input gradient,
//   batched SSIM over a key set                                vs  a loop of single-image SSIM.
// The ratios are printed last: `dtd_over_gradient_ratio=<x>` (target <= 1.6 on ResNet-18).
//
//   infip_bench --model resnet18.pt [--batch 16] [--channels 3] [--size 32] [benchmark flags]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include <torch/csrc/autograd/autograd.h>

#include "bench_util.h"
#include "infip/dtd/engine.h"
#include "infip/similarity/ssim.h"

namespace {

struct Setup {
  std::string model_path;
  int64_t batch = 16, channels = 3, size = 32, keys = 400;
};
Setup g_setup;
std::shared_ptr<infip::model::CanonicalModel> g_model;
torch::Tensor g_batch;

void BM_DtdExtraction(benchmark::State& state) {
  auto engine = *infip::dtd::RelevanceEngine::Create(g_model, *infip::dtd::Composite::ByName("dtd"));
  infip::dtd::ExplainOptions opts;
  opts.chunk_size = g_setup.batch;
  for (auto _ : state) {
    auto e = engine->Explain(g_batch, infip::dtd::InputBox{}, opts);
    if (!e.ok()) state.SkipWithError(std::string(e.status().message()).c_str());
    benchmark::DoNotOptimize(e->relevance.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * g_setup.batch);
}

void BM_ForwardPlusInputGradient(benchmark::State& state) {
  auto& module = const_cast<torch::jit::Module&>(g_model->frozen_module());
  for (auto _ : state) {
    torch::Tensor x = g_batch.detach().requires_grad_(true);
    torch::Tensor logits = module.forward({x}).toTensor();
    torch::Tensor picked = logits.gather(1, logits.argmax(1, true)).sum();
    torch::Tensor grad = torch::autograd::grad({picked}, {x})[0];
    benchmark::DoNotOptimize(grad.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * g_setup.batch);
}

torch::Tensor FingerprintLike(uint64_t seed) {
  torch::manual_seed(seed);
  return (torch::rand({g_setup.keys, g_setup.size, g_setup.size}).pow(6) * 255).to(torch::kUInt8);
}

void BM_SsimBatched(benchmark::State& state) {
  const torch::Tensor a = FingerprintLike(1), b = FingerprintLike(2);
  for (auto _ : state) benchmark::DoNotOptimize(infip::similarity::SsimBatch(a, b).data_ptr());
  state.SetItemsProcessed(state.iterations() * g_setup.keys);
}

void BM_SsimPerImageLoop(benchmark::State& state) {
  const torch::Tensor a = FingerprintLike(1), b = FingerprintLike(2);
  for (auto _ : state) {
    for (int64_t i = 0; i < g_setup.keys; ++i) {
      benchmark::DoNotOptimize(
          infip::similarity::SsimBatch(a.narrow(0, i, 1), b.narrow(0, i, 1)).data_ptr());
    }
  }
  state.SetItemsProcessed(state.iterations() * g_setup.keys);
}

}  // namespace

int main(int argc, char** argv) {
  using infip::bench::TakeFlag;
  std::string v;
  if (TakeFlag(argc, argv, "--model", v)) g_setup.model_path = v;
  if (TakeFlag(argc, argv, "--batch", v)) g_setup.batch = std::stoll(v);
  if (TakeFlag(argc, argv, "--channels", v)) g_setup.channels = std::stoll(v);
  if (TakeFlag(argc, argv, "--size", v)) g_setup.size = std::stoll(v);
  if (g_setup.model_path.empty()) {
    std::cerr << "usage: infip_bench --model M.pt [--batch N] [--channels C] [--size S]\n";
    return 2;
  }
  auto model = infip::model::CanonicalModel::FromFile(g_setup.model_path, {});
  if (!model.ok()) {
    std::cerr << "infip_bench: " << model.status() << "\n";
    return 3;
  }
  g_model = std::move(*model);
  torch::manual_seed(0);
  g_batch = torch::rand({g_setup.batch, g_setup.channels, g_setup.size, g_setup.size});

  benchmark::RegisterBenchmark("BM_DtdExtraction", BM_DtdExtraction)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_ForwardPlusInputGradient", BM_ForwardPlusInputGradient)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_SsimBatched", BM_SsimBatched)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_SsimPerImageLoop", BM_SsimPerImageLoop)
      ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  infip::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::cout << "ssim_loop_over_batched_ratio="
            << reporter.Ratio("BM_SsimPerImageLoop", "BM_SsimBatched") << "\n";
  std::cout << "dtd_over_gradient_ratio="
            << reporter.Ratio("BM_DtdExtraction", "BM_ForwardPlusInputGradient") << std::endl;
  return 0;
}
