// Flat views follow upserts of existing rows in place (query/flat_view.cpp): their filter
// result and their place among the first rows of a sorted view. Whatever they do, a view that
// followed a sequence of changes must read exactly as a view made afresh on the changed table,
// page by page and whole, and send the same ROW-mode deltas: random configs and random
// upserts, inserts and removes, checked after each step.
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/engine.h"
#include "api/view_config_json.h"
#include "engine_fixture.h"

namespace parallax {
namespace {

using test::json;
using test::read_json;

// One random row: keys mostly among the table's (upserts), prices with many ties and nulls.
std::string random_row(std::mt19937& random, bool partial) {
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  const char* regions[] = {"\"EU\"", "\"US\"", "\"APAC\"", "null"};
  std::string row = "{\"id\":" + std::to_string(pick(20) ? pick(6000) : 9000 + pick(500));
  auto field = [&](const char* name, const std::string& value) {
    if (partial && pick(2) == 0) return;
    row += std::string(",\"") + name + "\":" + value;
  };
  field("region", pick(40) ? regions[pick(3)] : regions[pick(4)]);
  // Some prices far above or below the others, so changed rows enter and leave the top.
  const int spread = pick(3) ? 50 : 5000;
  field("price", pick(30) == 0 ? "null" : std::to_string(pick(spread) - spread / 10) + ".5");
  field("qty", std::to_string(pick(10)));
  return row + "}";
}

TEST(FlatViewFollow, ReadsAsAFreshViewAfterEveryChange) {
  const std::vector<std::string> configs = {
      R"({})",
      R"({"sort":[["price","desc"]]})",
      R"({"sort":[["price","asc"]]})",
      R"({"sort":[["price","desc abs"]]})",
      R"({"sort":[["region","asc"],["price","desc"]]})",
      R"({"sort":[["qty","desc"]],"columns":["region","price"]})",
      R"({"filter":[["price",">",10]]})",
      R"({"filter":[["price",">",10]],"sort":[["price","desc"]]})",
      R"({"filter":[["region","==","EU"]],"sort":[["qty","asc"],["price","desc"]]})",
      R"({"expressions":{"e":"\"price\" * -1"},"sort":[["e","desc"]]})",
  };
  std::mt19937 random(20261207);
  for (int scenario = 0; scenario < 20; ++scenario) {
    const std::string& config_json = configs[scenario % configs.size()];
    // Tables with a primary key take upserts and removes; those without only appends.
    const bool indexed = scenario % 5 != 4;
    SCOPED_TRACE("scenario " + std::to_string(scenario) + ": " + config_json);
    Engine engine;
    std::string rows = "[";
    for (int id = 0; id < 6000; ++id) {
      rows.append(id ? "," : "")
          .append("{\"id\":" + std::to_string(id) + ",\"region\":\"" + (id % 3 ? "EU" : "US") +
                  "\",\"price\":" + std::to_string(id * 7919 % 997) +
                  ".5,\"qty\":" + std::to_string(id % 10) + "}");
    }
    TableOptions options;
    if (indexed) options.index = "id";
    ASSERT_TRUE(engine.create_table("t", json(rows + "]"), options).is_ok());
    // "live" is read a page at a time, "deep" whole (every row sorted, which it re-sorts
    // after a change rather than following it): their deltas must agree.
    std::map<std::string, std::string> deltas;
    for (const std::string name : {"live", "deep"}) {
      ASSERT_TRUE(
          engine.create_view("t", name, view_config_from_json(config_json).value()).is_ok());
    }
    test::record_deltas(engine, {"live", "deep"}, deltas);
    (void)read_json(engine, "live", 50);
    (void)read_json(engine, "deep", std::nullopt);
    for (int step = 0; step < 40; ++step) {
      const int kind = static_cast<int>(random() % 20);
      if (kind == 0 && indexed) {
        ASSERT_TRUE(engine.remove("t", "[" + std::to_string(random() % 6000) + "]").is_ok());
      } else if (kind == 19 && indexed) {
        // Upserts of 65 to 300 existing rows, prices in and out of the filters: a filtered
        // view moves the rows entering and leaving in one pass.
        std::string batch = "[";
        const int count = 65 + static_cast<int>(random() % 236);
        for (int i = 0; i < count; ++i) {
          batch.append(i ? "," : "")
              .append("{\"id\":" + std::to_string(random() % 6000) +
                      ",\"price\":" + std::to_string(static_cast<int>(random() % 40) - 10) + ".5}");
        }
        ASSERT_TRUE(engine.update("t", json(batch + "]")).is_ok());
      } else {
        std::string batch = "[";
        const int count = kind < 15 ? 1 : 1 + static_cast<int>(random() % 40);
        for (int i = 0; i < count; ++i)
          batch.append(i ? "," : "").append(random_row(random, kind % 3 == 0));
        ASSERT_TRUE(engine.update("t", json(batch + "]")).is_ok());
      }
      ASSERT_EQ(deltas["live"], deltas["deep"]) << "delta after step " << step;
      (void)read_json(engine, "deep", std::nullopt);
      ASSERT_TRUE(
          engine.create_view("t", "fresh", view_config_from_json(config_json).value()).is_ok());
      // The first page, or the end of the first rows a sorted view keeps (6000 / 16: their
      // tail is what a change pushes rows out of), or all of them.
      const int depth = static_cast<int>(random() % 10);
      const std::optional<double> end =
          depth < 3 ? std::optional<double>(50)
                    : (depth < 8 ? std::optional<double>(360 + random() % 16) : std::nullopt);
      ASSERT_EQ(read_json(engine, "live", end), read_json(engine, "fresh", end))
          << "after step " << step;
      ASSERT_TRUE(engine.delete_view("fresh").is_ok());
    }
  }
}

}  // namespace
}  // namespace parallax
