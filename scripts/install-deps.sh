#!/usr/bin/env bash
# Installs every Debian 12 package infip needs to build, test and run its demo.
# Idempotent and non-interactive; uses sudo only when not already root.
#
#   bash scripts/install-deps.sh            # build + test + demo dependencies
#   bash scripts/install-deps.sh --runtime  # only what the built infip binary links against
set -euo pipefail

BUILD_PACKAGES=(
  cmake g++ make pkg-config git
  libtorch-dev libabsl-dev libspdlog-dev libfmt-dev libopencv-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev zlib1g-dev libssl-dev
  python3 python3-torch python3-torchvision python3-skimage python3-numpy
  dataset-fashion-mnist
  libsqlite3-dev nlohmann-json3-dev libcurl4-openssl-dev openssl sqlite3 libseccomp-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc prometheus-cpp-dev
  python3-grpcio python3-grpc-tools python3-protobuf prometheus
)
RUNTIME_PACKAGES=(
  libtorch1.13 libabsl20220623 libspdlog1.10 libfmt9
  libopencv-core406 libopencv-imgproc406 libopencv-imgcodecs406
  zlib1g libssl3 libsqlite3-0 libcurl4 libseccomp2
  libgrpc++1.51 libgrpc29 libprotobuf32 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0
)

packages=("${BUILD_PACKAGES[@]}")
if [[ "${1:-}" == "--runtime" ]]; then
  packages=("${RUNTIME_PACKAGES[@]}")
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--runtime]" >&2
  exit 2
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  SUDO=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends "${packages[@]}"
