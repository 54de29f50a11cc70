// Single-row update then read of a view: latency percentiles through api::Engine.
//
// usage: parallax_latency_bench ROWS REPETITIONS NAME=CONFIG_JSON...
// For each named view config, on a table of ROWS generated orders keyed by order_id: make the
// view, read it once, then REPETITIONS times upsert one row (new price and qty) and read the
// view's first 50 rows. Prints one JSON object per config: p50, p99 and max in milliseconds,
// or the engine's error when it cannot make the view (grouped views before they land).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "api/view_config_json.h"
#include "formats/json_writer.h"
#include "orders_fixture.h"

namespace {

double percentile(std::vector<double> sorted, double p) {
  std::sort(sorted.begin(), sorted.end());
  const size_t at = static_cast<size_t>(p * (sorted.size() - 1) + 0.5);
  return sorted[std::min(at, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parallax;
  if (argc < 4) {
    std::fprintf(stderr, "usage: parallax_latency_bench ROWS REPETITIONS NAME=CONFIG_JSON...\n");
    return 2;
  }
  const size_t rows = std::stoull(argv[1]);
  const size_t repetitions = std::stoull(argv[2]);
  for (int arg = 3; arg < argc; ++arg) {
    const std::string spec = argv[arg];
    const std::string name = spec.substr(0, spec.find('='));
    const std::string config_json = spec.substr(spec.find('=') + 1);
    auto engine = bench::orders_engine(rows, true);
    auto config = view_config_from_json(config_json);
    const Status made =
        config.is_ok() ? engine->create_view("t", "v", std::move(config).value()) : config.status();
    if (!made.is_ok()) {
      std::printf("{\"view\":\"%s\",\"rows\":%zu,\"error\":%s}\n", name.c_str(), rows,
                  json_quoted(made.message()).c_str());
      continue;
    }
    const View* view = engine->view("v").value();
    ViewWindow window;
    window.end_row = 50;
    (void)view->read(window, KeyColumns::kTrailing);
    std::vector<double> update_ms, total_ms;
    for (size_t i = 0; i < repetitions; ++i) {
      const TableData data{bench::one_row_update_csv((i * 997) % rows, 1.5 + i, 3)};
      const auto began = std::chrono::steady_clock::now();
      const Status status = engine->update("t", data);
      const auto updated = std::chrono::steady_clock::now();
      const Frame frame = view->read(window, KeyColumns::kTrailing);
      const std::string out = write_json_columns(frame);
      const auto read = std::chrono::steady_clock::now();
      if (!status.is_ok() || out.empty()) {
        std::fprintf(stderr, "parallax_latency_bench: update failed: %s\n",
                     status.message().c_str());
        return 1;
      }
      update_ms.push_back(std::chrono::duration<double, std::milli>(updated - began).count());
      total_ms.push_back(std::chrono::duration<double, std::milli>(read - began).count());
    }
    std::printf(
        "{\"view\":\"%s\",\"rows\":%zu,\"repetitions\":%zu,\"p50_ms\":%.4f,\"p99_ms\":%.4f,"
        "\"max_ms\":%.4f,\"update_only_p50_ms\":%.4f}\n",
        name.c_str(), rows, repetitions, percentile(total_ms, 0.5), percentile(total_ms, 0.99),
        *std::max_element(total_ms.begin(), total_ms.end()), percentile(update_ms, 0.5));
    std::fflush(stdout);
  }
  return 0;
}
