#!/usr/bin/env bash
# Installs what building and testing Parallax needs, from Debian's packages and npm only.
# Idempotent: installs only what is missing, so `make` can run it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  g++ cmake ninja-build make pkg-config
  libsimdjson-dev libfmt-dev libabsl-dev libre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format python3
  libflatbuffers-dev flatbuffers-compiler liblz4-dev clang
  python3-dev pybind11-dev python3-numpy python3-pandas python3-pytest
  python3-tornado python3-aiohttp python3-protobuf  # python3-protobuf: the protocol clients (parallax.remote)
  python3-starlette python3-uvicorn python3-websockets  # the Starlette handler and its tests
  python3-websocket python3-traitlets python3-ipywidgets python3-ipykernel jupyter-notebook  # the notebook widget
  python3-nbconvert python3-nbformat  # the widget's headless notebook test
  python3-matplotlib  # make bench: the scaling plot
  libssl-dev tzdata python3-pyro4 python3-serpent python3-seccomp
  python3-flatbuffers
  libyaml-cpp-dev  # parallax serve --pipeline
  python3-yaml python3-httpx python3-deepdiff python3-passlib python3-jose  # the script host's allowed imports
  libmosquitto-dev librabbitmq-dev libpq-dev  # pipelines' live sources (src/sources), virtual tables
  mosquitto mosquitto-clients rabbitmq-server amqp-tools postgresql  # their tests' servers
  libboost-dev libprotobuf-dev protobuf-compiler chromium
  dpkg-dev file  # make deb: dpkg-shlibdeps finds the library dependencies
  openssl  # the TLS tests make a self-signed certificate with its CLI
  clickhouse-server clickhouse-client  # virtual tables (src/virtual): their tests' ClickHouse servers
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Node.js: any node >= 18 will do; take Debian's only when none is on PATH.
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The reference engine (the test oracle) from npm, pinned by tests/oracle/package-lock.json.
if [ ! -f tests/oracle/node_modules/.package-lock.json ] ||
   [ tests/oracle/package-lock.json -nt tests/oracle/node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci in tests/oracle"
  (cd tests/oracle && npm ci --silent --no-audit --no-fund)
fi

# The viewer page that `parallax serve` hosts (and playwright-core for the browser test),
# pinned by web/package-lock.json.
if [ ! -f web/node_modules/.package-lock.json ] ||
   [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci in web"
  (cd web && npm ci --silent --no-audit --no-fund)
fi
