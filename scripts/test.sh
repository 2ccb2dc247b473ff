#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: dependencies, build, every ctest test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2
