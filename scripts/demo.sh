#!/usr/bin/env bash
# The infip demo from a fresh Debian 12 machine: install, build the server and the CLI, train
# three small Fashion-MNIST classifiers (an owner's model, a pruned and fine-tuned copy of it,
# and an independently trained one), start infip-server with its embedded SQLite store,
# register the owner's model, verify the two suspects against it, and check the signed
# verdicts offline. Everything is written under out/demo/; the server stops at the end.
#
#   bash scripts/demo.sh
#   INFIP_DEMO_PORT=50600 bash scripts/demo.sh     # another gRPC port (metrics: port + 1)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
BUILD_TARGET="infip infip-server infip-worker" bash scripts/build.sh

OUT=out/demo
BUILD="${BUILD_DIR:-build}"
INFIP="$BUILD/client/infip"
PORT="${INFIP_DEMO_PORT:-50551}"
SERVER=(--server "127.0.0.1:$PORT")
KEYS=(--keys /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --limit 100
      --resize 32x32 --mean 0.2860 --std 0.3530)
mkdir -p "$OUT"

echo "== training example models"
/usr/bin/python3 tools/examples/make_examples.py --out "$OUT/models"

echo "== starting infip-server on 127.0.0.1:$PORT (data: $OUT/server, log: $OUT/server.log)"
"$BUILD/server/infip-server" --listen "127.0.0.1:$PORT" \
  --metrics-listen "127.0.0.1:$((PORT + 1))" --data-dir "$OUT/server" >"$OUT/server.log" 2>&1 &
server_pid=$!
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}
trap stop_server EXIT
for _ in $(seq 1 60); do
  if "$INFIP" info "${SERVER[@]}" --public-key-out "$OUT/server-public-key.pem" >/dev/null 2>&1; then
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$OUT/server.log"; exit 1; }
  sleep 1
done
"$INFIP" info "${SERVER[@]}"

echo "== registering the owner's model (100 Fashion-MNIST test images as the private key set)"
"$INFIP" register "${SERVER[@]}" --owner demo-owner --name fashion-cnn \
  --model "$OUT/models/original.pt" "${KEYS[@]}" --json >"$OUT/registration.json"
registration=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' \
  <"$OUT/registration.json")
echo "registered as $registration"

echo "== verifying a pirated copy (pruned 30 %, then fine-tuned)"
"$INFIP" verify "${SERVER[@]}" --registration "$registration" \
  --model "$OUT/models/pirated.pt" --out "$OUT/pirated.verdict.json"
echo "== verifying an independent model (same architecture and data, trained separately)"
"$INFIP" verify "${SERVER[@]}" --registration "$registration" \
  --model "$OUT/models/independent.pt" --out "$OUT/independent.verdict.json"

echo "== checking both signed verdicts offline with the server's public key"
for verdict in pirated independent; do
  "$INFIP" verdict verify "$OUT/$verdict.verdict.json" --public-key "$OUT/server-public-key.pem"
done
echo "(the same check with openssl alone: docs/verdicts.md)"
