// One-row updates of a grouped view whose groups are big (the totals row: every row), for
// each aggregate that cannot retract: with the groups' rows kept ordered (query/ordered_rows.h,
// "ordered") and recomputed over every row of each touched group ("recomputed", as before).
// One run gives both, so the ratio is reproducible:
//   build/bench/parallax_micro_bench --benchmark_filter=BM_GroupedUpdate
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "api/view_config_json.h"
#include "orders_fixture.h"
#include "query/grouped_view.h"

namespace parallax::bench {
namespace {

// Grouped by region (8 groups of about 125,000 rows); the update writes price and qty.
std::string by_region(const std::string& column, const std::string& aggregate) {
  return R"({"group_by":["region"],"columns":[")" + column + R"("],"aggregates":{")" + column +
         R"(":)" + aggregate + "}}";
}

const std::vector<std::pair<std::string, std::string>>& configs() {
  static const std::vector<std::pair<std::string, std::string>> all = {
      {"sum", by_region("price", R"("sum")")},  // retractable: the baseline
      {"median", by_region("price", R"("median")")},
      {"q1", by_region("price", R"("q1")")},
      {"min", by_region("price", R"("min")")},
      {"max", by_region("price", R"("max")")},
      {"high", by_region("price", R"("high")")},
      {"high_minus_low", by_region("price", R"("high minus low")")},
      {"distinct_count", by_region("price", R"("distinct count")")},
      {"unique", by_region("qty", R"("unique")")},
      {"dominant", by_region("qty", R"("dominant")")},
      {"join", by_region("flag", R"("join")")},
      {"first", by_region("price", R"("first")")},
      {"last", by_region("price", R"("last")")},
      {"last_by_index", by_region("price", R"("last by index")")},
      {"last_minus_first", by_region("price", R"("last minus first")")},
      {"any", by_region("qty", R"("any")")},
      {"min_by", by_region("customer", R"(["min by",["price"]])")},
      {"max_by", by_region("customer", R"(["max by",["price"]])")},
      {"var", by_region("price", R"("var")")},  // not kept ordered: recomputed either way
  };
  return all;
}

void run(benchmark::State& state, const std::string& config_json, bool ordered) {
  const size_t rows = static_cast<size_t>(state.range(0));
  auto engine = orders_engine(rows, true);
  auto config = view_config_from_json(config_json);
  const Status made =
      config.is_ok() ? engine->create_view("t", "v", std::move(config).value()) : config.status();
  if (!made.is_ok()) return state.SkipWithError(made.message().c_str());
  dynamic_cast<GroupedView&>(*engine->view_for_testing("v").value())
      .set_keep_ordered_for_testing(ordered);
  const View* view = engine->view("v").value();
  ViewWindow window;
  window.end_row = 50;
  benchmark::DoNotOptimize(view->read(window, KeyColumns::kTrailing));
  size_t i = 0;
  for (auto _ : state) {
    const TableData update{one_row_update_csv((i * 997) % rows, 1.5 + i % 1000, 1 + i % 7)};
    ++i;
    const Status status = engine->update("t", update);
    if (!status.is_ok()) state.SkipWithError(status.message().c_str());
    benchmark::DoNotOptimize(view->read(window, KeyColumns::kTrailing));
  }
}

const bool registered = [] {
  for (const auto& [name, config] : configs()) {
    for (const bool ordered : {false, true}) {
      const std::string label = "BM_GroupedUpdate/" + name + (ordered ? "/ordered" : "/recomputed");
      benchmark::RegisterBenchmark(
          label.c_str(),
          [config, ordered](benchmark::State& state) { run(state, config, ordered); })
          ->Arg(bench_rows())
          ->Iterations(ordered ? 200 : 3)  // recomputing takes up to seconds per update
          ->Unit(benchmark::kMillisecond);
    }
  }
  return true;
}();

}  // namespace
}  // namespace parallax::bench
