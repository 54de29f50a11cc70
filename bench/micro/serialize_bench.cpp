// Writing a view window out: JSON columns, JSON rows, CSV (the reference's formats).
#include <benchmark/benchmark.h>

#include "formats/csv_writer.h"
#include "formats/json_writer.h"
#include "orders_fixture.h"

namespace parallax::bench {
namespace {

// The JSON writers take a number style too; the benchmarks write the reference's JavaScript one.
std::string json_columns(const Frame& frame) {
  return write_json_columns(frame);
}
std::string json_rows(const Frame& frame) {
  return write_json_rows(frame);
}

template <std::string (*Write)(const Frame&)>
void BM_Serialize(benchmark::State& state) {
  auto table = orders_table(state.range(0), false);
  const Frame frame = frame_of(*table, state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = Write(frame);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Serialize<json_columns>)
    ->Name("BM_SerializeJsonColumns")
    ->Arg(bench_rows() / 10)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Serialize<json_rows>)
    ->Name("BM_SerializeJsonRows")
    ->Arg(bench_rows() / 10)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Serialize<write_csv>)
    ->Name("BM_SerializeCsv")
    ->Arg(bench_rows() / 10)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parallax::bench
