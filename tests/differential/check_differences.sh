#!/usr/bin/env bash
# The scenarios where Parallax deliberately differs from the reference (docs/differences.md):
# each script's output must still equal the output recorded in its .expected file.
set -euo pipefail
parallax=${1:?usage: check_differences.sh PARALLAX}
here=$(cd "$(dirname "$0")" && pwd)
compare="$here/../../../shared/oracle/compare.py"
[ -n "${PARALLAX_SHARED:-}" ] && compare="$PARALLAX_SHARED/oracle/compare.py"
status=0
for script in "$here"/differences/*.jsonl; do
  actual=$(mktemp)
  "$parallax" replay "$script" > "$actual"
  if ! /usr/bin/python3 "$compare" "${script%.jsonl}.expected" "$actual" --ops "$script" > "$actual.report"; then
    echo "FAIL $(basename "$script")"; cat "$actual.report"; status=1
  else
    echo "ok   $(basename "$script"): $(tail -1 "$actual.report")"
  fi
  rm -f "$actual" "$actual.report"
done
exit $status
