#!/usr/bin/env bash
# The installed Parallax runs from anywhere: `cmake --install` into a staging root and the
# .deb (CPack) unpacked into another, each run from / with no PARALLAX_* variables set:
# --version and every --help, a typo'd option named, `serve` hosting the viewer (the real
# viewer rendering in Chromium for the .deb), `run-script` through the installed script host,
# the Python package importing. The .deb's dependencies must resolve on this Debian.
# usage: install_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
scratch=$(mktemp -d /tmp/parallax-install-test-XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
unset PARALLAX_WEB_DIR PARALLAX_PYTHON_DIR PYTHONPATH
PY=/usr/bin/python3
failures=0
check() {  # check NAME COMMAND...: runs COMMAND, counts a failure
  if "${@:2}"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi
}

fetch() {  # fetch URL: prints the body, fails on a status other than 200
  "$PY" -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=10).read())' "$1"
}

# Runs the checks on the binary at $1 (the root it was installed into is $2).
check_installed() {
  local bin=$1 root=$2
  check "the binary exists" test -x "$bin"
  check "the binary names no source path" bash -c "! grep -q '$source_dir/web' '$bin'"
  check "--version names the version and commit" \
    bash -c "'$bin' --version | grep -Eq '^parallax [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]+'"
  for command in serve view replay transform connector run-script script-host; do
    check "$command --help shows an example" \
      bash -c "cd / && '$bin' $command --help | grep -q 'example'"
  done
  check "an unknown option names the closest one" \
    bash -c "cd / && '$bin' serve --prot 1 2>&1 | grep -q \"did you mean '--port'\""
  check "serve --help lists --pipeline" bash -c "'$bin' serve --help | grep -q -- '--pipeline'"
  check "parallax --help lists --pipeline" bash -c "'$bin' --help | grep -q -- '--pipeline'"

  # serve from /, no --web: the page and the viewer's scripts come from share/parallax/web.
  (cd / && exec "$bin" serve "$source_dir/examples/orders_sample.csv" --port 0 \
     > "$scratch/serve.out" 2> "$scratch/serve.err") &
  server_pid=$!
  for _ in $(seq 100); do grep -q "http://" "$scratch/serve.out" 2>/dev/null && break; sleep 0.1; done
  local url
  url=$(grep -o 'http://[0-9.]*:[0-9]*' "$scratch/serve.out" | head -1)
  check "serve started" test -n "$url"
  check "serve found its viewer (no warning)" bash -c "! grep -q 'not installed' '$scratch/serve.err'"
  check "/ is the viewer page" bash -c "$(declare -f fetch); PY=$PY; fetch '$url/' | grep -q 'perspective-viewer'"
  check "the viewer's script is served" \
    bash -c "$(declare -f fetch); PY=$PY; fetch '$url/node_modules/@finos/perspective-viewer/dist/cdn/perspective-viewer.js' | head -c 100 | grep -q ."
  check "the client's wasm is served" \
    bash -c "$(declare -f fetch); PY=$PY; fetch '$url/node_modules/@finos/perspective-viewer/dist/wasm/perspective-viewer.wasm' | head -c 4 | grep -q asm"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

  # run-script from /: the installed script host, sandboxed as always.
  printf 'return [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]\n' > "$scratch/rows.py"
  check "run-script runs through the installed script host" \
    bash -c "cd / && '$bin' run-script '$scratch/rows.py' --format csv | grep -qx '2,\"y\"'"
}

echo "== cmake --install (DESTDIR staging, prefix /usr/local)"
DESTDIR="$scratch/staged" cmake --install "$build_dir" --prefix /usr/local > /dev/null
check_installed "$scratch/staged/usr/local/bin/parallax" "$scratch/staged"
check "the Python package is installed" \
  test -f "$(ls -d "$scratch"/staged/usr/local/lib/python3*/dist-packages/parallax)/__init__.py"

# A long load (here: any load, PARALLAX_PROGRESS_AFTER_MS=0) shows progress on a terminal
# (script(1) gives it one) and prints nothing when stderr is not a terminal.
staged="$scratch/staged/usr/local/bin/parallax"
check "a load shows a progress line on a terminal" \
  bash -c "PARALLAX_PROGRESS_AFTER_MS=0 script -qec \"'$staged' view '$source_dir/examples/orders_sample.csv' > /dev/null\" /dev/null | grep -q 'loaded .*2000 rows'"
check "and nothing when stderr is not a terminal" \
  bash -c "[ -z \"\$(PARALLAX_PROGRESS_AFTER_MS=0 '$staged' view '$source_dir/examples/orders_sample.csv' 2>&1 > /dev/null)\" ]"

echo "== the Debian package (cpack -G DEB)"
(cd "$build_dir" && cpack -G DEB -B "$scratch/deb" > "$scratch/cpack.log") ||
  { cat "$scratch/cpack.log"; exit 1; }
deb=$(ls "$scratch"/deb/parallax_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for package in python3-pyro4 python3-serpent python3-seccomp python3-numpy python3-pandas libre2 libprotobuf libyaml-cpp; do
  check "the package depends on $package" bash -c "grep -q '$package' <<< '$depends'"
done
check "its dependencies resolve on this Debian (apt-get --simulate)" \
  bash -c "apt-get install --simulate '$deb' > '$scratch/apt.log' 2>&1 || { cat '$scratch/apt.log'; false; }"
dpkg-deb -x "$deb" "$scratch/root"
check_installed "$scratch/root/usr/bin/parallax" "$scratch/root"
check "the package's Python module imports" \
  bash -c "cd / && PYTHONPATH=\$(ls -d '$scratch'/root/usr/lib/python3*/dist-packages) $PY -c 'import parallax; t = parallax.table({\"a\": [1, 2]}); assert t.size() == 2'"
check "the systemd unit example is in the package" \
  test -f "$scratch/root/usr/share/doc/parallax/examples/parallax.service"
if [ -x /usr/bin/chromium ] && [ -d "$source_dir/web/node_modules/playwright-core" ]; then
  check "the real viewer renders from the installed package (chromium)" \
    bash -c "cd / && PARALLAX='$scratch/root/usr/bin/parallax' SCREENSHOT_DIR='$scratch/shots' node --test '$source_dir/tests/server/browser_test.mjs' > '$scratch/browser.log' 2>&1 || { tail -40 '$scratch/browser.log'; false; }"
fi

if [ "$failures" -ne 0 ]; then echo "install: $failures check(s) failed"; exit 1; fi
echo "install: every check passed"
