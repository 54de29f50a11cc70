// The engine's task pool (set_num_cpus, --threads): tables loaded, views read and views
// followed (a view a task, Engine::notify) with any number of threads are the same as with
// one, and the pool's threads are made once.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "api/engine.h"
#include "api/view_config_json.h"
#include "formats/json_writer.h"

namespace parallax {
namespace {

// 60,000 rows are about 1.5 MiB of CSV: big enough that loads spread over the pool.
std::string orders_csv(size_t rows, size_t first_id) {
  std::string text = "id,customer,region,price,qty\n";
  for (size_t i = first_id; i < first_id + rows; ++i) {
    text += std::to_string(i) + ",c" + std::to_string(i * 7919 % 5000) + ",r" +
            std::to_string(i % 7) + "," + std::to_string(i % 1000) + ".25," +
            (i % 11 == 0 ? "" : std::to_string(i % 9)) + "\n";
  }
  return text;
}

std::string read_all(Engine& engine, const std::string& name) {
  ViewWindow window;
  window.id = true;
  return write_json_columns(engine.view(name).value()->read(window, KeyColumns::kTrailing));
}

size_t process_threads() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return static_cast<size_t>(std::distance(begin(tasks), end(tasks)));
}

// Loads, updates and reads views with `threads` threads; every read, joined.
std::string run_with(size_t threads) {
  Engine engine;
  engine.set_num_cpus(threads);
  EXPECT_EQ(engine.num_cpus(), threads);
  EXPECT_TRUE(
      engine.create_table("t", {orders_csv(60'000, 0), DataFormat::kCsv}, {.index = "id"}).is_ok());
  const char* configs[] = {
      R"({"group_by":["customer"],"aggregates":{"price":"sum","qty":"avg"}})",
      R"({"group_by":["region"],"columns":["customer","price"],)"
      R"("aggregates":{"customer":"distinct count","price":"median"}})",
      R"({"sort":[["price","desc"]],"columns":["id","price"]})",
      R"({"group_by":["region","customer"],"columns":["p2","qty"],)"
      R"("expressions":{"p2":"\"price\" * 2"},"aggregates":{"qty":"max"}})",
      R"({"group_by":["qty"],"columns":["price"],"aggregates":{"price":"avg"}})"};
  std::string out;
  for (size_t i = 0; i < std::size(configs); ++i) {
    const std::string name = "v" + std::to_string(i);
    EXPECT_TRUE(engine.create_view("t", name, view_config_from_json(configs[i]).value()).is_ok());
    // Subscribed: each change is followed and the view refreshed at once, on the pool.
    EXPECT_TRUE(engine.on_update(name, [](const ViewUpdate&) {}).is_ok());
    out += read_all(engine, name) + "\n";
  }
  // A big update (half upserts, half new rows) through the pool, then the views again.
  const size_t before = process_threads();
  EXPECT_TRUE(engine.update("t", {orders_csv(60'000, 30'000), DataFormat::kCsv}).is_ok());
  EXPECT_TRUE(engine.update("t", {orders_csv(60'000, 45'000), DataFormat::kCsv}).is_ok());
  // Small upserts that the views follow.
  for (size_t step = 0; step < 12; ++step) {
    EXPECT_TRUE(engine.update("t", {orders_csv(300, step * 7'000), DataFormat::kCsv}).is_ok());
  }
  EXPECT_EQ(process_threads(), before) << "the pool's threads are made once";
  for (size_t i = 0; i < std::size(configs); ++i) out += read_all(engine, "v" + std::to_string(i));
  return out;
}

TEST(EngineThreads, AnyNumberOfThreadsGivesOneThreadsResults) {
  const std::string one = run_with(1);
  EXPECT_EQ(run_with(2), one);
  EXPECT_EQ(run_with(3), one);
}

TEST(EngineThreads, DefaultsToEveryCoreAndShutsDownItsPool) {
  const size_t before = process_threads();
  {
    Engine engine;
    EXPECT_EQ(engine.num_cpus(), TaskPool::available_cores());
    EXPECT_EQ(engine.task_pool().threads(), TaskPool::available_cores());
    engine.set_num_cpus(2);
    EXPECT_EQ(engine.task_pool().threads(), 2u);
    EXPECT_EQ(process_threads(), before + 1);
  }
  EXPECT_EQ(process_threads(), before);
}

}  // namespace
}  // namespace parallax
