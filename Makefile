# The front door. `make` installs what is missing and builds; `make test` runs every suite.
BUILD_DIR ?= build
BUILD_TYPE ?= Release

.PHONY: all deps build test unit differential differential-seeds python-test install deb format check-format clean demo bench fuzz

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR)
	@echo "built $(BUILD_DIR)/parallax"

# Every suite: unit tests, the clang-format check, the differential suite against the reference.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit

differential: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L differential

# Every generated differential family (flat, grouped, expressions) on seeds 1-3, through
# replay and through the server, against the fresh-state oracle (make test runs seed 1).
SEEDS ?= 1 2 3
differential-seeds: build
	tests/differential/seeds.sh $(BUILD_DIR)/parallax $(SEEDS)

python-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L python

# Every parser's fuzz target for FUZZ_SECONDS each (make test runs 20 s each), e.g.
# `make fuzz FUZZ_SECONDS=1800 FUZZ_ARGS="-- -jobs=2 -workers=2"` (tests/fuzz/README.md).
FUZZ_SECONDS ?= 300
FUZZ_ARGS ?=
fuzz:
	nice tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS) $(BUILD_DIR)/fuzz $(FUZZ_ARGS)

# Installs the binary, the viewer's files, the script host and the Python package under
# PREFIX (bin/, share/parallax/, lib/python3.X/dist-packages); DESTDIR stages it elsewhere.
PREFIX ?= /usr/local
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# A Debian package (CPack) in $(BUILD_DIR): apt install ./$(BUILD_DIR)/parallax_*.deb
deb: build
	cd $(BUILD_DIR) && cpack -G DEB

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

check-format:
	scripts/check-format.sh

clean:
	rm -rf $(BUILD_DIR)

# The demo: 100k generated orders streamed live through a mosquitto started on a free port
# (examples/demo.sh, examples/live/); without mosquitto, changed inside the server.
demo: build
	examples/demo.sh

# Benchmarks (bench/README.md): side by side with the reference and DuckDB, scaling plot,
# memory, update latency, micro benchmarks; results in bench/results/. BENCH_ARGS passes
# options to bench/run.py, e.g. BENCH_ARGS="--scale 100000,1000000,10000000". BENCH_ROWS sizes
# every step (1M rows by default); a quick check that every step runs, results kept out of the
# recorded ones: make bench BENCH_ROWS=10000 BENCH_RESULTS=build/bench/results BENCH_ARGS="--repeat 1"
BENCH_ARGS ?=
BENCH_ROWS ?= 1000000
BENCH_RESULTS ?= bench/results
# Virtual tables (bench/virtual_bench.py): VIRTUAL_BENCH_ARGS="--rows 1000000" for a quick run.
VIRTUAL_BENCH_ARGS ?=
# (npm ci refuses bench's lock when the registry lacks DuckDB's other-platform bindings;
# npm install then installs exactly the locked versions for this platform.)
bench: build
	cmake --build $(BUILD_DIR) --target parallax_bench
	@if [ ! -f bench/node_modules/.package-lock.json ] || \
	    [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then \
	  (cd bench && (npm ci --silent --no-audit --no-fund || npm install --no-audit --no-fund)); fi
	/usr/bin/python3 bench/run.py --build $(BUILD_DIR) --rows $(BENCH_ROWS) --results $(BENCH_RESULTS) $(BENCH_ARGS)
	@echo "expression micro benchmarks (bench/expression_bench.cpp): computed columns over $(BENCH_ROWS) rows"
	PARALLAX_BENCH_ROWS=$(BENCH_ROWS) $(BUILD_DIR)/bench/expression_benchmark
	@echo "MQTT ingest (bench/mqtt_ingest.mjs): upserts into $(BENCH_ROWS) rows, 20 subscribed views; then through a Python step"
	node bench/mqtt_ingest.mjs --parallax $(BUILD_DIR)/parallax --rows $(BENCH_ROWS) --json $(BENCH_RESULTS)/mqtt_ingest.json
	node bench/mqtt_ingest.mjs --parallax $(BUILD_DIR)/parallax --rows $(BENCH_ROWS) --transform --json $(BENCH_RESULTS)/mqtt_ingest_transform.json
	@echo "virtual tables (bench/virtual_bench.py): a viewer on 100M orders in ClickHouse, one node and two shards"
	/usr/bin/python3 bench/virtual_bench.py --build $(BUILD_DIR) $(VIRTUAL_BENCH_ARGS)
