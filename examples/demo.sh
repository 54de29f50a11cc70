#!/usr/bin/env bash
# `make demo`: 100,000 generated orders served live. Open the printed URL: the real
# perspective-viewer, rows changing every 300 ms. Ctrl-C stops it.
# PORT (default 8080) and HOST (default 127.0.0.1) pick the address.
set -euo pipefail
cd "$(dirname "$0")/.."
data=build/demo/orders.csv
mkdir -p build/demo
if [ ! -s "$data" ]; then
  echo "demo: generating 100,000 orders into $data"
  /usr/bin/python3 bench/workload/gen_orders.py 100000 "$data.tmp"
  mv "$data.tmp" "$data"
fi
echo "demo: serving $(($(wc -l < "$data") - 1)) orders; 20 of them change every 300 ms"
exec build/parallax serve "$data" --index order_id --demo-stream 300 \
  --host "${HOST:-127.0.0.1}" --port "${PORT:-8080}"
