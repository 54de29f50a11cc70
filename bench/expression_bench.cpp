// Computed columns over 1M rows (PARALLAX_BENCH_ROWS, orders_fixture.h): how close evaluation comes
// to memory speed. The baseline is a hand-written loop computing the same arithmetic straight from
// the table's storage.
#include <benchmark/benchmark.h>

#include <random>

#include "orders_fixture.h"
#include "query/column_source.h"
#include "query/expressions/expression.h"

namespace parallax {
namespace {

const size_t kRows = static_cast<size_t>(bench::bench_rows());

// a (float), b (integer), s (string from 100 values), no nulls.
std::unique_ptr<Table> make_table() {
  Schema schema({{"a", DataType::kFloat}, {"b", DataType::kInteger}, {"s", DataType::kString}});
  auto table = Table::create(schema, {}).value();
  RowBatch batch;
  batch.num_rows = kRows;
  BatchColumn a{"a", Column(DataType::kFloat), std::nullopt};
  BatchColumn b{"b", Column(DataType::kInteger), std::nullopt};
  BatchColumn s{"s", Column(DataType::kString), std::nullopt};
  std::mt19937 random(7);
  for (size_t row = 0; row < kRows; ++row) {
    a.values.append<double>(static_cast<double>(random() % 10000) / 7);
    b.values.append<int32_t>(static_cast<int32_t>(random() % 1000));
    s.values.append_string("word " + std::to_string(random() % 100));
  }
  batch.columns.push_back(std::move(a));
  batch.columns.push_back(std::move(b));
  batch.columns.push_back(std::move(s));
  (void)table->update(batch);
  return table;
}

const Table& table() {
  static const std::unique_ptr<Table> instance = make_table();
  return *instance;
}

// Bytes touched per row: two inputs (8 + 4), one output (8), validity.
constexpr int64_t kBytesPerRow = 8 + 4 + 8;

void evaluate(benchmark::State& state, const char* text) {
  const Table& source = table();
  auto expression = Expression::compile("e", text, source.schema()).value();
  for (auto _ : state) {
    Column out(expression.type());
    if (!expression.compute(source, nullptr, out).is_ok()) state.SkipWithError("over budget");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRows));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kRows) * kBytesPerRow);
}

void BM_Arithmetic(benchmark::State& state) {
  evaluate(state, "\"a\" * 2 + \"b\" - 1");
}
BENCHMARK(BM_Arithmetic)->Unit(benchmark::kMillisecond);

void BM_Comparison(benchmark::State& state) {
  evaluate(state, "\"a\" > 100");
}
BENCHMARK(BM_Comparison)->Unit(benchmark::kMillisecond);

void BM_StringFunction(benchmark::State& state) {
  evaluate(state, "upper(\"s\")");
}
BENCHMARK(BM_StringFunction)->Unit(benchmark::kMillisecond);

void BM_Bucket(benchmark::State& state) {
  evaluate(state, "bucket(\"a\", 10)");
}
BENCHMARK(BM_Bucket)->Unit(benchmark::kMillisecond);

// The floor: the same arithmetic as a plain loop into a plain vector (no nulls, no column).
void BM_HandWrittenLoop(benchmark::State& state) {
  const Table& source = table();
  const auto& a = source.column(0).values<double>();
  const auto& b = source.column(1).values<int32_t>();
  std::vector<double> out(kRows);
  for (auto _ : state) {
    for (size_t row = 0; row < kRows; ++row) out[row] = a[row] * 2 + b[row] - 1;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRows));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kRows) * kBytesPerRow);
}
BENCHMARK(BM_HandWrittenLoop)->Unit(benchmark::kMillisecond);

// An update of 1,000 rows after the view exists: only those rows are recomputed.
void BM_IncrementalUpdate(benchmark::State& state) {
  auto owned = make_table();
  auto source = ColumnSource::create(*owned, {{"e", "\"a\" * 2 + \"b\" - 1"}}).value();
  (void)source->column(3);
  RowBatch batch;
  batch.num_rows = 1000;
  BatchColumn a{"a", Column(DataType::kFloat), std::nullopt};
  for (size_t row = 0; row < batch.num_rows; ++row) a.values.append<double>(1.5);
  batch.columns.push_back(std::move(a));
  for (auto _ : state) {
    ChangeSet changes = owned->update(batch).value();
    source->apply(changes);
    benchmark::DoNotOptimize(source->column(3));
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_IncrementalUpdate)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace parallax

BENCHMARK_MAIN();
