#!/usr/bin/env bash
# The infip demo from a fresh Debian 12 machine: install, build the CLI, train three small
# Fashion-MNIST classifiers (an owner's model, a pruned and fine-tuned copy of it, and an
# independently trained one), fingerprint each on 100 key images, and compare.
# Everything is written under out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
BUILD_TARGET=infip bash scripts/build.sh

OUT=out/demo
INFIP="${BUILD_DIR:-build}/client/infip"
KEYS=(--keys /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --limit 100
      --resize 32x32 --mean 0.2860 --std 0.3530)
mkdir -p "$OUT"

echo "== training example models"
/usr/bin/python3 tools/examples/make_examples.py --out "$OUT/models"

echo "== extracting fingerprint sets (100 Fashion-MNIST test images as the key set)"
for model in original pirated independent; do
  "$INFIP" extract --model "$OUT/models/$model.pt" "${KEYS[@]}" --out "$OUT/$model.infip"
done

echo "== original vs pirated (pruned 30 % and fine-tuned)"
"$INFIP" compare "$OUT/original.infip" "$OUT/pirated.infip"
echo "== original vs independent (same architecture and data, trained separately)"
"$INFIP" compare "$OUT/original.infip" "$OUT/independent.infip"

echo "== evidence images"
"$INFIP" render "$OUT/original.infip" "$OUT/pirated.infip" --out "$OUT/render/pirated"
"$INFIP" render "$OUT/original.infip" "$OUT/independent.infip" --out "$OUT/render/independent"
