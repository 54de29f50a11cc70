#!/usr/bin/env bash
# Builds the Arrow reader's libFuzzer target with clang (ASan + UBSan, in its own build folder)
# and fuzzes it for SECONDS from the seed corpus. Exits non-zero on any crash, leak or
# sanitizer report; the input that caused it is left in the build folder (crash-*).
#   tests/fuzz/run_arrow_fuzz.sh [SECONDS=60] [BUILD_DIR=build-fuzz] [extra libFuzzer flags...]
# `make test` runs 45 s of it; a longer run, e.g. an hour on both cores:
#   tests/fuzz/run_arrow_fuzz.sh 3600 build-fuzz -jobs=2 -workers=2
set -euo pipefail
source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-60}"
build_dir="$(realpath -m "${2:-$source_dir/build-fuzz}")"
shift $(($# < 2 ? $# : 2))

if ! command -v clang++ >/dev/null; then
  echo "run_arrow_fuzz: clang++ is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARALLAX_TESTS=OFF -DPARALLAX_FUZZ=ON >/dev/null
fi
cmake --build "$build_dir" --target arrow_reader_fuzz

# The fuzzer adds what it finds to the first folder; the checked-in seeds stay as they are.
corpus="$build_dir/arrow_corpus"
mkdir -p "$corpus"
cd "$build_dir"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$build_dir/tests/fuzz/arrow_reader_fuzz" "$corpus" "$source_dir/tests/fuzz/corpus" \
  -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 "$@"
