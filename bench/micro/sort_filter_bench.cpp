// The flat view's one-shot kernels: sorting rows by keys, evaluating filters.
#include <benchmark/benchmark.h>

#include "orders_fixture.h"
#include "query/column_source.h"
#include "query/filter.h"
#include "query/sort.h"

namespace parallax::bench {
namespace {

std::vector<CompiledSortKey> sort_keys(const Table& table, std::vector<SortKey> keys) {
  return std::move(compile_sort(table.schema(), keys)).value();
}

void BM_SortFloatDesc(benchmark::State& state) {
  auto table = orders_table(state.range(0), false);
  const auto keys = sort_keys(*table, {{"price", SortDirection::kDescending}});
  const auto source = ColumnSource::create(*table, {}).value();
  for (auto _ : state) {
    std::vector<uint32_t> rows = table->rows_in_natural_order();
    sort_rows(*source, keys, rows);
    benchmark::DoNotOptimize(rows);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SortFloatDesc)
    ->Arg(bench_rows() / 10)
    ->Arg(bench_rows())
    ->Unit(benchmark::kMillisecond);

void BM_SortStringThenFloat(benchmark::State& state) {
  auto table = orders_table(state.range(0), false);
  const auto keys = sort_keys(
      *table, {{"region", SortDirection::kAscending}, {"price", SortDirection::kDescending}});
  const auto source = ColumnSource::create(*table, {}).value();
  for (auto _ : state) {
    std::vector<uint32_t> rows = table->rows_in_natural_order();
    sort_rows(*source, keys, rows);
    benchmark::DoNotOptimize(rows);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SortStringThenFloat)->Arg(bench_rows())->Unit(benchmark::kMillisecond);

void BM_FilterFloatAndString(benchmark::State& state) {
  auto table = orders_table(state.range(0), false);
  FilterValue over{FilterValue::Kind::kNumber, false, 500, {}};
  FilterValue eu{FilterValue::Kind::kString, false, 0, "EU"};
  const std::vector<FilterTerm> terms = {{"price", FilterOp::kGreater, {over}},
                                         {"region", FilterOp::kEqual, {eu}}};
  auto filter =
      std::move(RowFilter::compile(table->schema(), terms, FilterCombinator::kAnd)).value();
  const auto source = ColumnSource::create(*table, {}).value();
  for (auto _ : state) {
    auto keep = filter.evaluate(*source);
    benchmark::DoNotOptimize(keep);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FilterFloatAndString)->Arg(bench_rows())->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parallax::bench
