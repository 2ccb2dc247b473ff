#!/usr/bin/env bash
# Builds the benchmark, makes the ResNet-18-shaped model (CIFAR stem, full width), runs both
# comparisons side by side. Extra arguments go to the benchmark (e.g. --batch 32).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DINFIP_BUILD_BENCH=ON >/dev/null
cmake --build build --target infip_bench -j"$(nproc)"
models=build/bench-models
[ -f "$models/resnet18.pt" ] || /usr/bin/python3 tools/testmodels/make_models.py --out "$models" --bench
exec build/bench/infip_bench --model "$models/resnet18.pt" --benchmark_min_time=2 "$@"
