// JSON rows into a typed batch (simdjson, inference, conversion).
#include <benchmark/benchmark.h>

#include "formats/json_reader.h"
#include "orders_fixture.h"

namespace parallax::bench {
namespace {

void BM_JsonRowsParse(benchmark::State& state) {
  const std::string& text = orders_json(state.range(0));
  for (auto _ : state) {
    auto batch = read_json(text);
    benchmark::DoNotOptimize(batch);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_JsonRowsParse)->Arg(bench_rows() / 10)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parallax::bench
