#!/usr/bin/env bash
# Replays every DIR/NAME.jsonl that has a recorded DIR/NAME.expected beside it with parallax,
# and compares the output with the recording (tests/oracle/compare.py; COMPARE_OPTIONS go to
# it). No node needed: the recordings were made once (README.md: "Recorded outputs").
# - cases/: the reference's outputs (node tests/oracle/replay.mjs), so a reader sees what each
#   hand-written case asserts; run.py checks that they still equal the live reference's.
# - differences/: Parallax's own outputs where it deliberately differs (docs/differences.md).
# Each script runs in its own folder, so the input files it names (`path`) are beside it.
set -euo pipefail
usage="usage: check_recorded.sh PARALLAX DIR [COMPARE_OPTIONS...]"
parallax=$(realpath "${1:?$usage}")
dir=$(cd "${2:?$usage}" && pwd)
shift 2
compare="$(cd "$(dirname "$0")/../oracle" && pwd)/compare.py"
status=0
checked=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for script in "$dir"/*.jsonl; do
  expected="${script%.jsonl}.expected"
  [ -f "$expected" ] || continue
  checked=$((checked + 1))
  name=$(basename "$script")
  if ! (cd "$dir" && "$parallax" replay "$script") > "$work/actual" 2> "$work/stderr"; then
    echo "FAIL $name: parallax replay failed: $(tail -c 500 "$work/stderr")"; status=1; continue
  fi
  if ! /usr/bin/python3 "$compare" "$expected" "$work/actual" --ops "$script" "$@" > "$work/report"; then
    echo "FAIL $name"; cat "$work/report"; status=1
  else
    echo "ok   $name: $(tail -1 "$work/report")"
  fi
done
if [ "$checked" = 0 ]; then echo "no recorded scripts (NAME.jsonl + NAME.expected) in $dir"; exit 1; fi
exit $status
