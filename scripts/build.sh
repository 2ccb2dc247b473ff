#!/usr/bin/env bash
# Configures and builds infip (every target: library, CLI, tests, benchmarks) into build/.
#
#   bash scripts/build.sh [extra cmake arguments...]
#   BUILD_TARGET=infip bash scripts/build.sh      # only the CLI
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE}" "$@"
cmake --build build -j"$(nproc)" ${BUILD_TARGET:+--target "${BUILD_TARGET}"}
