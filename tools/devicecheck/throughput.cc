#include "throughput.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <torch/cuda.h>

#include "infip/common/status_macros.h"

namespace infip::devicecheck {
namespace {

void SyncIfCuda(const torch::Tensor& t) {
  if (t.defined() && t.is_cuda()) torch::cuda::synchronize();
}

}  // namespace

absl::StatusOr<Throughput> MeasureThroughput(const dtd::RelevanceEngine& engine,
                                             const torch::Tensor& batch, int runs,
                                             bool warm_up_on_full_batch) {
  if (runs < 1) return absl::InvalidArgumentError("a throughput needs at least one timed run");
  if (!batch.defined() || batch.dim() != 4 || batch.size(0) == 0) {
    return absl::InvalidArgumentError("a throughput needs a non-empty N x C x H x W batch");
  }
  dtd::ExplainOptions options;
  options.chunk_size = batch.size(0);
  // The warm-up on the CPU may use a few images: there is no algorithm search to pay for, and a
  // full CPU batch costs as much as a timed run.
  const torch::Tensor warm =
      warm_up_on_full_batch ? batch : batch.narrow(0, 0, std::min<int64_t>(4, batch.size(0)));
  INFIP_ASSIGN_OR_RETURN(dtd::Explanation first, engine.Explain(warm, dtd::InputBox{}, options));
  SyncIfCuda(first.relevance);

  Throughput t;
  t.batch = batch.size(0);
  t.runs = runs;
  std::vector<double> seconds;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    INFIP_ASSIGN_OR_RETURN(t.last, engine.Explain(batch, dtd::InputBox{}, options));
    SyncIfCuda(t.last.relevance);
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  t.median_seconds = seconds[seconds.size() / 2];
  t.images_per_second = static_cast<double>(t.batch) / t.median_seconds;
  return t;
}

}  // namespace infip::devicecheck
