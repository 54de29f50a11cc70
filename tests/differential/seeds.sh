#!/usr/bin/env bash
# Every generated family on several seeds, through `parallax replay` and through `parallax
# serve` (the reference's websocket client), each against the fresh-state oracle
# (tests/oracle/README.md). `make differential-seeds`; make test runs seed 1 of each.
# usage: seeds.sh PARALLAX [SEEDS...]      (default seeds 1 2 3; JOBS=N, default 2;
#        ORACLE_CACHE=DIR keeps the oracle's outputs for later runs, default a temporary folder)
# Prints one summary line per run; exits 1 when any run has a mismatch.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
parallax=${1:?usage: seeds.sh PARALLAX [SEEDS...]}
shift
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
jobs=${JOBS:-2}
# Oracle outputs, shared by the replay and serve runs of a seed.
if [ -n "${ORACLE_CACHE:-}" ]; then
  cache=$ORACLE_CACHE
else
  cache=$(mktemp -d)
  trap 'rm -rf "$cache"' EXIT
fi
status=0
for seed in "${seeds[@]}"; do
  for family in "--generated 300" "--generated 0 --grouped 100" "--generated 0 --expressions 200" \
                "--generated 0 --arrow 100"; do
    for front in replay serve; do
      serve=()
      [ "$front" = serve ] && serve=(--serve)
      # shellcheck disable=SC2086
      line=$(nice /usr/bin/python3 "$here/run.py" --parallax "$parallax" --jobs "$jobs" \
               --seed "$seed" $family --expected-cache "$cache" "${serve[@]}" \
               "$here/cases/grouped_basics.jsonl" | grep '^scripts: ' | tail -1)
      [[ "$line" == *" 0 failed, 0 known failures; lines: "*", 0 failed;"* ]] || status=1
      echo "seed $seed ${family#--generated 0 } ($front): $line"
    done
  done
done
exit $status
