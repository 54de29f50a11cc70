// CSV text into a typed batch (tokenize, infer, convert), the first half of every file load.
#include <benchmark/benchmark.h>

#include "formats/csv_reader.h"
#include "orders_fixture.h"

namespace parallax::bench {
namespace {

void BM_CsvParse(benchmark::State& state) {
  const std::string& text = orders_csv(state.range(0));
  for (auto _ : state) {
    auto batch = read_csv(text);
    benchmark::DoNotOptimize(batch);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_CsvParse)->Arg(bench_rows() / 10)->Arg(bench_rows())->Unit(benchmark::kMillisecond);

void BM_CsvParseWithSchema(benchmark::State& state) {
  const std::string& text = orders_csv(state.range(0));
  const Schema schema = orders_batch(state.range(0)).schema();
  for (auto _ : state) {
    auto batch = read_csv(text, &schema);
    benchmark::DoNotOptimize(batch);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_CsvParseWithSchema)->Arg(bench_rows() / 10)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parallax::bench
