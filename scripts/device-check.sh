#!/usr/bin/env bash
# Proves infip's relevance engine on a CUDA GPU. Builds tools/devicecheck (the core libraries
# and device_check) against the LibTorch inside the machine's PyTorch wheel and Debian 12's
# abseil, spdlog and fmt unpacked under .devdeps/root, then runs device_check on the test models
# under .devdeps/models: CPU vs CUDA agreement, conservation, determinism, CPU vs GPU
# throughput. Logs go to $OUT (default /tmp/infip-device-check); docs/gpu.md has the results
# and says how to fill .devdeps/ (it is ignored by git).
#
#   bash scripts/device-check.sh                     # the full check
#   bash scripts/device-check.sh --batches 64        # extra arguments go to device_check
#
# Needs: python3 with a CUDA build of torch, a C++20 compiler, cmake >= 3.22, ninja.
# Exit status: device_check's (0 every criterion held, 1 one failed, 2 no CUDA device, 3 a model
# failed), or 4 when the build failed.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/infip-device-check}"
DEPS="$PWD/.devdeps"
BUILD="${INFIP_DEVICECHECK_BUILD:-/tmp/infip-devicecheck-build}"
PY="${PYTHON:-python3}"
JOBS="${JOBS:-$(nproc)}"
mkdir -p "$OUT"

for need in "$DEPS/root/usr/lib/x86_64-linux-gnu/cmake/absl" "$DEPS/models/tv_resnet18.pt"; do
  [ -e "$need" ] || { echo "missing $need (see docs/gpu.md, 'Reproduce')" >&2; exit 4; }
done

{
  echo "== machine"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || true
  nproc
  c++ --version | head -1
  cmake --version | head -1
  echo "ninja $(ninja --version)"
  nvcc --version | tail -2 || true
  "$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
    "cxx11abi", torch._C._GLIBCXX_USE_CXX11_ABI, "gpu",
    torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)'
} 2>&1 | tee "$OUT/env.log"

TORCH_DIR=$("$PY" -c 'import os, torch; print(os.path.dirname(torch.__file__))') ||
  { echo "$PY cannot import torch (set PYTHON=...)" >&2; exit 4; }
TORCH_CMAKE=$("$PY" -c 'import torch; print(torch.utils.cmake_prefix_path)')
TORCH_ABI=$("$PY" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
SITE=$(dirname "$TORCH_DIR")
common=(-G Ninja -DCMAKE_BUILD_TYPE=Release)

echo "== configure: LibTorch's CMake package" | tee "$OUT/configure.log"
if ! cmake -S tools/devicecheck -B "$BUILD" "${common[@]}" \
    -DCMAKE_PREFIX_PATH="$TORCH_CMAKE;$DEPS/root/usr" >>"$OUT/configure.log" 2>&1; then
  # The wheel's CMake package looks for CUDA pieces of its own; where they do not match the
  # machine's toolkit, link the wheel's libraries directly instead.
  echo "== configure: the package failed (see configure.log); linking the wheel directly" |
    tee -a "$OUT/configure.log"
  rm -rf "$BUILD"
  cmake -S tools/devicecheck -B "$BUILD" "${common[@]}" -DCMAKE_PREFIX_PATH="$DEPS/root/usr" \
    -DINFIP_TORCH_PLAIN=ON -DINFIP_TORCH_DIR="$TORCH_DIR" -DINFIP_TORCH_CXX11_ABI="$TORCH_ABI" \
    >>"$OUT/configure.log" 2>&1 || { tail -40 "$OUT/configure.log"; exit 4; }
fi
grep -E 'Found Torch|LibTorch \(plain\)|CMake Warning' "$OUT/configure.log" | head -5

echo "== build (-j$JOBS)"
start=$(date +%s)
# -k 0: on failure, every broken file is reported at once, not only the first.
if ! cmake --build "$BUILD" -j "$JOBS" -- -k 0 >"$OUT/build.log" 2>&1; then
  grep -E -B2 -A6 'error|FAILED' "$OUT/build.log" | head -120
  exit 4
fi
echo "built in $(( $(date +%s) - start )) s; warnings: $(grep -c 'warning:' "$OUT/build.log")"

# Debian's abseil/spdlog/fmt, the wheel's LibTorch and the CUDA libraries it ships beside it.
libs="$DEPS/root/usr/lib/x86_64-linux-gnu:$TORCH_DIR/lib"
for d in "$SITE"/nvidia/*/lib "$SITE"/nvidia/*/*/lib; do [ -d "$d" ] && libs="$libs:$d"; done
export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

M="$DEPS/models"
echo "== device_check"
"$BUILD/device_check" --require-cuda --cpu-threads "$(nproc)" \
  --model "$M/vgg_like.pt:1x32x32" --model "$M/vgg_like_nobias.pt:1x32x32" \
  --model "$M/resnet_like.pt:3x32x32" --model "$M/overlap_pool.pt:1x16x16" \
  --model "$M/fire_like.pt:1x16x16" --model "$M/tv_resnet18.pt:3x32x32" \
  --bench "$M/tv_resnet18.pt:3x32x32" --bench "$M/tv_resnet18.pt:3x224x224" \
  --batches 64,256 "$@" 2>&1 | tee "$OUT/check.log"
rc=${PIPESTATUS[0]}
echo "== device_check exit status $rc"
exit "$rc"
