#!/usr/bin/env bash
# Configures and builds infip (every target: library, CLI, tests, benchmarks) into build/.
#
#   bash scripts/build.sh [extra cmake arguments...]
#   BUILD_TARGET=infip bash scripts/build.sh      # only the CLI
#   BUILD_TARGET="infip infip-server infip-worker" bash scripts/build.sh
#   BUILD_DIR=build-debug BUILD_TYPE=Debug bash scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${BUILD_DIR:-build}"
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
cmake -S . -B "${BUILD_DIR}" -DCMAKE_BUILD_TYPE="${BUILD_TYPE}" "$@"
# shellcheck disable=SC2086  # BUILD_TARGET may name several targets
cmake --build "${BUILD_DIR}" -j"$(nproc)" ${BUILD_TARGET:+--target ${BUILD_TARGET}}
