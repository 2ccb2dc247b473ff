#!/usr/bin/env bash
# Builds the benchmarks, makes the models (the ResNet-18-shaped one: CIFAR stem, full width)
# and runs each comparison side by side. Extra arguments go to both benchmarks (e.g.
# --benchmark_min_time=5).
#
#   bash bench/run.sh            # relevance and SSIM, then the sandbox's cost
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DINFIP_BUILD_BENCH=ON >/dev/null
cmake --build build --target infip_bench infip_sandbox_bench infip-worker -j"$(nproc)"
models=build/bench-models
[ -f "$models/resnet18.pt" ] || /usr/bin/python3 tools/testmodels/make_models.py --out "$models" --bench
build/bench/infip_bench --model "$models/resnet18.pt" --benchmark_min_time=2 "$@"
build/bench/infip_sandbox_bench --small "$models/vgg_like.pt" --resnet "$models/resnet18.pt" \
  --resnet224 "$models/tv_resnet18.pt" --benchmark_min_time=10 "$@"
