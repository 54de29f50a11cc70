#!/usr/bin/env bash
# `make demo`: 100,000 generated orders served live. Open the printed URL: the real
# perspective-viewer, rows changing every 300 ms. Ctrl-C stops it.
# PORT (default 8080) and HOST (default 127.0.0.1) pick the address.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${PARALLAX_SHARED:-../shared}
data=build/demo/orders.csv
mkdir -p build/demo
if [ ! -s "$data" ]; then
  if [ -f "$shared/bench/gen_orders.py" ]; then
    echo "demo: generating 100,000 orders into $data"
    /usr/bin/python3 "$shared/bench/gen_orders.py" 100000 "$data"
  else
    echo "demo: $shared/bench/gen_orders.py not found; serving the bundled sample instead"
    cp examples/orders_sample.csv "$data"
  fi
fi
echo "demo: serving $(($(wc -l < "$data") - 1)) orders; 20 of them change every 300 ms"
exec build/parallax serve "$data" --index order_id --demo-stream 300 \
  --host "${HOST:-127.0.0.1}" --port "${PORT:-8080}"
