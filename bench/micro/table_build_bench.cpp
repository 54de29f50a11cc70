// A parsed batch into a new table, with and without a primary key (the key index is built).
#include <benchmark/benchmark.h>

#include "orders_fixture.h"

namespace parallax::bench {
namespace {

void BM_TableBuild(benchmark::State& state) {
  const bool indexed = state.range(1) != 0;
  orders_batch(state.range(0));  // parse outside the timing
  for (auto _ : state) {
    auto table = orders_table(state.range(0), indexed);
    benchmark::DoNotOptimize(table);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TableBuild)
    ->ArgsProduct({{bench_rows() / 10, bench_rows()}, {0, 1}})
    ->ArgNames({"rows", "indexed"})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parallax::bench
