#!/usr/bin/env bash
# Builds every libFuzzer target once (clang, ASan + UBSan, in its own build folder) and fuzzes
# each for SECONDS from its seeds in corpus/NAME/. Exits non-zero on any crash, hang (an input
# over 10 s), leak, out-of-memory or sanitizer report; the input that caused it is left in
# BUILD_DIR/fuzz-out/NAME/ (crash-*, timeout-*, leak-*, oom-*) and the log beside it.
#   tests/fuzz/run_fuzz.sh [SECONDS=60] [BUILD_DIR=build-fuzz] [NAME...] [-- libFuzzer flags]
# `make test` runs 20 s of each target; a longer run, e.g. 30 minutes of each on both cores:
#   nice tests/fuzz/run_fuzz.sh 1800 build-fuzz -- -jobs=2 -workers=2
# FUZZ_REPRODUCIBLE=1 (what make test sets) makes a run the same on every machine: a fixed
# seed, a fixed number of inputs per target from the checked-in seeds only, and SECONDS x 3 as
# a cap. A failure there fails again anywhere; exploring new inputs is `make fuzz`'s job.
set -euo pipefail
source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
seeds="$source_dir/tests/fuzz/corpus"
seconds="${1:-60}"
build_dir="$(realpath -m "${2:-$source_dir/build-fuzz}")"
shift $(($# < 2 ? $# : 2))
targets=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do targets+=("$1"); shift; done
[ $# -gt 0 ] && shift  # the "--"; what follows goes to libFuzzer
if [ ${#targets[@]} -eq 0 ]; then
  for dir in "$seeds"/*/; do targets+=("$(basename "$dir")"); done
fi

# The longest input worth trying per target: seeds fit, and bigger inputs only slow it down.
max_len() {
  case "$1" in
    arrow | checkpoint) echo 16384 ;;
    json | protocol) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

# Flags of one target: the protocol target covers so much per input that libFuzzer's entropic
# scheduling (feature frequencies updated on every run) took 95% of its time.
target_flags() {
  case "$1" in
    protocol) echo -entropic=0 ;;
  esac
}

# Inputs of one target in a reproducible run: about 20 s each on a loaded 2-core machine.
target_runs() {
  case "$1" in
    arrow | json) echo 150000 ;;
    pyro | serpent) echo 120000 ;;
    pickle) echo 80000 ;;
    pipeline) echo 25000 ;;
    csv | sources) echo 15000 ;;
    virtual) echo 40000 ;;
    expression) echo 8000 ;;
    checkpoint) echo 2500 ;;  # every input appends and flushes a file
    protocol) echo 4000 ;;
    *) echo 10000 ;;
  esac
}

# Seconds of one target: the small parsers of live sources need less than the big readers
# (make test's fuzz label stays near its budget).
target_seconds() {
  case "$1" in
    sources) echo $(((seconds + 1) / 2)) ;;
    *) echo "$seconds" ;;
  esac
}

if ! command -v clang++ >/dev/null; then
  echo "run_fuzz: clang++ is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" -DPARALLAX_TESTS=OFF -DPARALLAX_PYTHON=OFF \
    -DPARALLAX_FUZZ=ON >/dev/null
fi
cmake --build "$build_dir" --target "${targets[@]/%/_fuzz}"

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_stack_use_after_return=0:${ASAN_OPTIONS:-}
failed=()
summary=""
for name in "${targets[@]}"; do
  # The fuzzer adds what it finds to the first folder; the checked-in seeds stay as they are.
  out="$build_dir/fuzz-out/$name"
  budget=(-max_total_time="$(target_seconds "$name")")
  if [ "${FUZZ_REPRODUCIBLE:-0}" = 1 ]; then
    rm -rf "$out/corpus"
    budget=(-seed=1 -runs="$(target_runs "$name")" -max_total_time=$(($(target_seconds "$name") * 3)))
  fi
  mkdir -p "$out/corpus"
  dict=()
  [ -f "$source_dir/tests/fuzz/$name.dict" ] && dict=(-dict="$source_dir/tests/fuzz/$name.dict")
  echo "== $name: ${budget[*]}" >&2
  status=0
  (cd "$out" && "$build_dir/tests/fuzz/${name}_fuzz" "$out/corpus" "$seeds/$name" "${dict[@]}" \
    "${budget[@]}" -max_len="$(max_len "$name")" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 $(target_flags "$name") "$@") >"$out/fuzz.log" 2>&1 || status=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log" | tail -1)"
  summary+="$(printf '%-10s %10s executions  %s' "$name" "${runs:-?}" \
    "$([ $status -eq 0 ] && echo ok || echo "FAILED (exit $status)")")"$'\n'
  if [ $status -ne 0 ]; then
    failed+=("$name")
    tail -n 60 "$out/fuzz.log" >&2
  fi
done
printf '%s' "$summary"
if [ ${#failed[@]} -gt 0 ]; then
  echo "run_fuzz: failed: ${failed[*]} (inputs and logs in $build_dir/fuzz-out/)" >&2
  exit 1
fi
