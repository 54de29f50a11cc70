// Arrow IPC in and out for the orders table, next to the CSV and JSON benchmarks: reading
// bytes into a batch (plain and LZ4-compressed) and writing a frame of every row.
#include <benchmark/benchmark.h>

#include "formats/arrow_reader.h"
#include "formats/arrow_writer.h"
#include "orders_fixture.h"

namespace parallax::bench {
namespace {

Frame whole_table(const Table& table) {
  Frame frame;
  for (size_t i = 0; i < table.schema().size(); ++i) {
    frame.columns.push_back({table.schema().field(i).name, &table.column(i)});
  }
  for (uint32_t row = 0; row < table.num_rows(); ++row) frame.rows.push_back(row);
  return frame;
}

ArrowWriteOptions options_of(int64_t compressed) {
  ArrowWriteOptions options;
  if (compressed != 0) options.compression = ArrowCompression::kLz4Frame;
  return options;
}

// Arguments: rows, LZ4 (0 or 1). Bytes processed: the uncompressed stream's size.
void BM_ArrowRead(benchmark::State& state) {
  auto table = orders_table(state.range(0), false);
  const std::string bytes = write_arrow(whole_table(*table), options_of(state.range(1)));
  const size_t plain_size = write_arrow(whole_table(*table)).size();
  for (auto _ : state) {
    auto batch = read_arrow(bytes);
    if (!batch.is_ok()) state.SkipWithError(batch.status().message().c_str());
    benchmark::DoNotOptimize(batch);
  }
  state.SetBytesProcessed(state.iterations() * plain_size);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ArrowRead)
    ->Args({bench_rows(), 0})
    ->Args({bench_rows(), 1})
    ->Unit(benchmark::kMillisecond);

void BM_ArrowWrite(benchmark::State& state) {
  auto table = orders_table(state.range(0), false);
  const Frame frame = whole_table(*table);
  const ArrowWriteOptions options = options_of(state.range(1));
  const size_t plain_size = write_arrow(frame).size();
  for (auto _ : state) {
    std::string out = write_arrow(frame, options);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * plain_size);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ArrowWrite)
    ->Args({bench_rows(), 0})
    ->Args({bench_rows(), 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parallax::bench
