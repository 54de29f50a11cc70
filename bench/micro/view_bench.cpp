// Views through api::Engine, as every front end uses them: one-shot (make a view, read its
// first rows) and incremental (update one row, read again). Configs the engine cannot serve
// yet (grouped views before they land) are reported as skipped with the engine's error.
#include <benchmark/benchmark.h>

#include "api/view_config_json.h"
#include "orders_fixture.h"

namespace parallax::bench {
namespace {

constexpr const char* kSortDesc = R"({"sort": [["price", "desc"]]})";
constexpr const char* kFilter = R"({"filter": [["price", ">", 500], ["region", "==", "EU"]]})";
constexpr const char* kGroupByProduct =
    R"({"group_by": ["product"], "columns": ["price", "qty"],
        "aggregates": {"price": "sum", "qty": "avg"}})";
constexpr const char* kGroupSplit =
    R"({"group_by": ["region", "product"], "split_by": ["flag"], "columns": ["price"],
        "aggregates": {"price": "sum"}})";

// Makes view `name`; false (and the benchmark skipped) when the engine refuses the config.
bool make_view(benchmark::State& state, Engine& engine, const std::string& name,
               const char* config_json) {
  auto config = view_config_from_json(config_json);
  Status status =
      config.is_ok() ? engine.create_view("t", name, std::move(config).value()) : config.status();
  if (!status.is_ok()) state.SkipWithError(status.message().c_str());
  return status.is_ok();
}

// Make a view and read its first 50 rows, on a table of state.range(0) rows.
void BM_ViewOneShot(benchmark::State& state, const char* config_json) {
  auto engine = orders_engine(state.range(0), false);
  ViewWindow window;
  window.end_row = 50;
  size_t made = 0;
  for (auto _ : state) {
    const std::string name = "v" + std::to_string(made++);
    if (!make_view(state, *engine, name, config_json)) break;
    const View* view = engine->view(name).value();
    auto frame = view->read(window, KeyColumns::kTrailing);
    benchmark::DoNotOptimize(view->num_rows());
    benchmark::DoNotOptimize(frame);
    state.PauseTiming();
    (void)engine->delete_view(name);
    state.ResumeTiming();
  }
}
BENCHMARK_CAPTURE(BM_ViewOneShot, sort_desc, kSortDesc)
    ->Arg(bench_rows())
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ViewOneShot, filter, kFilter)
    ->Arg(bench_rows())
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ViewOneShot, group_by_product, kGroupByProduct)
    ->Arg(bench_rows())
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ViewOneShot, group_split, kGroupSplit)
    ->Arg(bench_rows())
    ->Unit(benchmark::kMillisecond);

// Upsert one row of a keyed table, then read the view's first 50 rows.
void BM_UpdateOneRowThenRead(benchmark::State& state, const char* config_json) {
  auto engine = orders_engine(state.range(0), true);
  if (!make_view(state, *engine, "v", config_json)) return;
  const View* view = engine->view("v").value();
  ViewWindow window;
  window.end_row = 50;
  benchmark::DoNotOptimize(view->read(window, KeyColumns::kTrailing));
  size_t i = 0;
  for (auto _ : state) {
    const TableData update{one_row_update_csv((i * 997) % state.range(0), 1.5 + i % 1000, 3)};
    ++i;
    const Status status = engine->update("t", update);
    if (!status.is_ok()) state.SkipWithError(status.message().c_str());
    auto frame = view->read(window, KeyColumns::kTrailing);
    benchmark::DoNotOptimize(frame);
  }
}
BENCHMARK_CAPTURE(BM_UpdateOneRowThenRead, unsorted, "{}")
    ->Arg(bench_rows())
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_UpdateOneRowThenRead, sort_desc, kSortDesc)
    ->Arg(bench_rows())
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_UpdateOneRowThenRead, group_by_product, kGroupByProduct)
    ->Arg(bench_rows())
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace parallax::bench
