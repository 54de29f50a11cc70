#!/usr/bin/env bash
# `make demo`: queries on a bundled sample of orders with the command line, until the
# server (and its browser viewer) lands.
set -euo pipefail
cd "$(dirname "$0")/.."
parallax=build/parallax
data=examples/orders_sample.csv
run() {
  echo
  echo "\$ parallax view $data --config '$1' --format csv | head -6"
  local out
  out=$("$parallax" view "$data" --config "$1" --format csv)
  head -6 <<< "$out"
}
echo "Parallax demo: $(($(wc -l < $data) - 1)) orders in $data"
run '{"columns":["order_id","region","product","price"],"sort":[["price","desc"]]}'
run '{"columns":["order_id","region","qty","price"],"filter":[["region","==","EU"],["price",">",900]]}'
run '{"columns":["customer","product","day"],"filter":[["product","begins with","p00"]],"sort":[["day","asc"],["customer","desc"]]}'
echo
echo "Replay a script of table and view operations (the conformance interface):"
echo "\$ parallax replay examples/quickstart.jsonl"
"$parallax" replay examples/quickstart.jsonl
