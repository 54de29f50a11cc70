// Grouped views follow table changes incrementally (query/grouped_view_follow.cpp). Whatever
// they do, a view that followed a sequence of changes must read exactly as a view that
// rebuilt itself after each of them, and (the order of tied sorted rows aside, which depends
// on the order shown before) as a view made afresh on the changed table, and send the same
// ROW-mode deltas (read_changed) as the rebuilt view: random configs and random updates and
// removes, checked after each step.
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/engine.h"
#include "api/view_config_json.h"
#include "engine_fixture.h"
#include "query/aggregate.h"
#include "query/grouped_view.h"

namespace parallax {
namespace {

using test::json;

size_t rows_of(Engine& engine, const std::string& name) {
  return engine.view(name).value()->num_rows();
}

std::string read_all(Engine& engine, const std::string& name) {
  return test::read_json(engine, name);
}

// One random row: key in 0..29, groups from small domains (and null), values that are
// multiples of 0.5 so every sum is exact whatever order it is taken in.
std::string random_row(std::mt19937& random, bool partial) {
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  const char* groups[] = {"\"a\"", "\"b\"", "\"c\"", "null"};
  const char* splits[] = {"\"x\"", "\"y\"", "null"};
  // Mostly the first 30 keys (upserts), sometimes new ones (inserts).
  std::string row = "{\"id\":" + std::to_string(pick(8) ? pick(30) : 5000 + pick(100));
  auto field = [&](const char* name, const std::string& value) {
    if (partial && pick(2) == 0) return;
    row += std::string(",\"") + name + "\":" + value;
  };
  field("g", groups[pick(4)]);
  field("h", pick(5) == 0 ? "null" : std::to_string(pick(3)));
  field("s", splits[pick(3)]);
  field("x", pick(6) == 0 ? "null" : std::to_string(pick(41) - 20) + ".5");
  field("n", pick(6) == 0 ? "null" : std::to_string(pick(10)));
  field("w", std::to_string(pick(4)));
  return row + "}";
}

std::string random_config(std::mt19937& random) {
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  const char* group_bys[] = {"[\"g\"]", "[\"h\"]", "[\"g\",\"h\"]", "[\"h\",\"g\"]", "[]"};
  const char* split_bys[] = {"[]", "[]", "[\"s\"]"};
  // Every aggregate the registry has for floats (x, e) and for integers (n); weighted mean,
  // which takes a weight, below.
  auto taking = [](DataType type) {
    std::vector<std::string> names;
    for (const AggregateDescriptor& aggregate : all_aggregates()) {
      if ((aggregate.accepts & type_bit(type)) && !aggregate.takes_argument)
        names.emplace_back(aggregate.name);
    }
    return names;
  };
  const std::vector<std::string> floats = taking(DataType::kFloat),
                                 integers = taking(DataType::kInteger);
  auto any_of = [&](const std::vector<std::string>& names) {
    return names[pick(static_cast<int>(names.size()))];
  };
  std::string group_by = group_bys[pick(5)];
  std::string split_by = split_bys[pick(3)];
  if (group_by == "[]" && split_by == "[]") split_by = "[\"s\"]";
  std::string config = "{\"group_by\":" + group_by + ",\"split_by\":" + split_by +
                       ",\"expressions\":{\"e\":\"\\\"x\\\" + 1\"}" +
                       ",\"columns\":[\"x\",\"n\",\"g\",\"e\"],\"aggregates\":{\"x\":\"" +
                       any_of(floats) + "\",\"n\":\"" + any_of(integers) + "\"";
  if (pick(3) == 0) config += ",\"g\":\"distinct count\"";
  config += std::string(",\"e\":\"") + any_of(floats) + "\"";
  if (pick(4) == 0) config += ",\"n\":[\"weighted mean\",[\"w\"]]";
  config += "}";
  if (pick(2) == 0)
    config += std::string(",\"sort\":[[\"x\",\"") + (pick(2) ? "desc" : "asc") + "\"]]";
  if (pick(3) == 0) config += ",\"filter\":[[\"n\",\">\"," + std::to_string(pick(5)) + "]]";
  return config + "}";
}

TEST(GroupedViewFollow, ReadsAsAFreshViewAfterEveryChange) {
  std::mt19937 random(20261122);
  for (int scenario = 0; scenario < 200; ++scenario) {
    // Tables with a primary key take upserts and removes; those without only appends.
    const bool indexed = scenario % 4 != 3;
    Engine engine;
    // Big enough that the totals row (past the size below which groups re-add their rows)
    // retracts and adds, small groups are re-added.
    std::string rows = "[";
    for (int i = 0; i < 12; ++i) rows.append(i ? "," : "").append(random_row(random, false));
    for (int id = 100; id < 2400; ++id) {
      rows.append(",{\"id\":" + std::to_string(id) + ",\"g\":\"bulk\",\"h\":" +
                  std::to_string(id % 2) + ",\"s\":\"x\",\"x\":" + std::to_string(id % 7) +
                  ".5,\"n\":" + std::to_string(id % 5) + ",\"w\":1}");
    }
    TableOptions options;
    if (indexed) options.index = "id";
    ASSERT_TRUE(engine.create_table("t", json(rows + "]"), options).is_ok());
    const std::string config_json = random_config(random);
    SCOPED_TRACE("scenario " + std::to_string(scenario) + ": " + config_json);
    ASSERT_TRUE(
        engine.create_view("t", "live", view_config_from_json(config_json).value()).is_ok());
    ASSERT_TRUE(
        engine.create_view("t", "rebuilt", view_config_from_json(config_json).value()).is_ok());
    dynamic_cast<GroupedView&>(*engine.view_for_testing("rebuilt").value())
        .set_follow_changes_for_testing(false);
    const bool sorted = config_json.find("\"sort\"") != std::string::npos;
    const bool split_only = config_json.find("\"group_by\":[]") != std::string::npos;
    ASSERT_EQ(read_all(engine, "live"), read_all(engine, "rebuilt"));
    // Each view's ROW-mode delta for the last change.
    std::map<std::string, std::string> deltas;
    test::record_deltas(engine, {"live", "rebuilt"}, deltas);
    bool reader_moved = false;  // expanded or collapsed: a fresh view shows other rows
    for (int step = 0; step < 8; ++step) {
      const int kind = static_cast<int>(random() % 10);
      deltas.clear();
      const bool removed = kind < 3 && indexed;
      if (removed) {
        // Removes: keys of the small groups (which empty), of the bulk group (which retracts),
        // and unknown ones.
        std::string keys = "[";
        const int count = 1 + static_cast<int>(random() % 3);
        for (int i = 0; i < count; ++i) {
          const int key = random() % 3 ? static_cast<int>(random() % 30)
                                       : 100 + static_cast<int>(random() % 2400);
          keys.append(i ? "," : "").append(std::to_string(key));
        }
        ASSERT_TRUE(engine.remove("t", keys + "]").is_ok());
      } else {
        std::string batch = "[";
        const int count = 1 + static_cast<int>(random() % 4);
        for (int i = 0; i < count; ++i)
          batch.append(i ? "," : "").append(random_row(random, kind < 4));
        ASSERT_TRUE(engine.update("t", json(batch + "]")).is_ok());
      }
      ASSERT_EQ(read_all(engine, "live"), read_all(engine, "rebuilt")) << "after step " << step;
      // (Split-only groups have no path to tell them apart across a rebuild, which then
      // sends every row.)
      if (removed && !split_only) {
        ASSERT_EQ(deltas["live"], deltas["rebuilt"]) << "delta after step " << step;
      }
      // Sometimes the reader collapses or expands a row (the same in both views): groups
      // that empty and come back later are new then, whichever way the view followed.
      if (random() % 4 == 0) {
        const size_t row = random() % (rows_of(engine, "live") + 1);
        for (const std::string name : {"live", "rebuilt"}) {
          ASSERT_TRUE((step % 2 ? engine.expand(name, row) : engine.collapse(name, row)).is_ok());
        }
        ASSERT_EQ(read_all(engine, "live"), read_all(engine, "rebuilt"))
            << "after step " << step << (step % 2 ? " and expand " : " and collapse ") << row;
        reader_moved = true;
      }
      if (sorted || reader_moved) continue;
      ASSERT_TRUE(
          engine.create_view("t", "fresh", view_config_from_json(config_json).value()).is_ok());
      ASSERT_EQ(read_all(engine, "live"), read_all(engine, "fresh")) << "after step " << step;
      ASSERT_TRUE(engine.delete_view("fresh").is_ok());
    }
  }
}

}  // namespace
}  // namespace parallax

namespace parallax {
namespace {

TEST(GroupedView, ColumnSortOverAFilterThatKeepsNoRowReadsEmpty) {
  Engine engine;
  ASSERT_TRUE(engine.create_table("t", json(R"([{"g":"a","s":"x","v":1}])"), {}).is_ok());
  auto config = view_config_from_json(
      R"({"group_by":["g"],"split_by":["s"],"sort":[["v","col desc"]],"filter":[["v",">",5]]})");
  ASSERT_TRUE(engine.create_view("t", "v", config.value()).is_ok());
  EXPECT_EQ(read_all(engine, "v"), R"({"__ROW_PATH__":[[]],"__ID__":[[]]})");
}

}  // namespace
}  // namespace parallax

namespace parallax {
namespace {

// set_depth as the reference answers it (probed with its view.set_depth, which the replay
// scripts cannot drive): groups at `depth` and above expanded, deeper ones collapsed, a
// depth past the group_by levels ignored, and the depth kept for groups added later.
TEST(GroupedView, SetDepthExpandsThatManyLevelsBelowTheTotals) {
  Engine engine;
  ASSERT_TRUE(engine
                  .create_table("t", json(R"([{"a":"x","b":"p","c":1},{"a":"x","b":"q","c":2},
                                         {"a":"y","b":"p","c":1},{"a":"y","b":"r","c":3},
                                         {"a":"z","b":"p","c":3}])"),
                                {})
                  .is_ok());
  auto config = view_config_from_json(R"({"group_by":["a","b","c"],"columns":["c"]})");
  ASSERT_TRUE(engine.create_view("t", "v", config.value()).is_ok());
  ASSERT_TRUE(engine.set_depth("v", 0).is_ok());
  EXPECT_EQ(rows_of(engine, "v"), 4u);  // totals and a, b, c's 3 groups
  ASSERT_TRUE(engine.set_depth("v", 1).is_ok());
  EXPECT_EQ(rows_of(engine, "v"), 9u);
  ASSERT_TRUE(engine.set_depth("v", 2).is_ok());
  EXPECT_EQ(rows_of(engine, "v"), 14u);
  ASSERT_TRUE(engine.set_depth("v", 0).is_ok());
  ASSERT_TRUE(engine.set_depth("v", 4).is_ok());  // past the 3 levels: ignored
  EXPECT_EQ(rows_of(engine, "v"), 4u);
  ASSERT_TRUE(engine.set_depth("v", 3).is_ok());  // as deep as it goes
  EXPECT_EQ(rows_of(engine, "v"), 14u);

  // Collapsing by hand makes later groups start collapsed; set_depth expands them again and
  // applies to groups added after it.
  ASSERT_TRUE(engine.set_depth("v", 1).is_ok());
  EXPECT_EQ(engine.collapse("v", 1).value(), 2);
  ASSERT_TRUE(engine.update("t", json(R"([{"a":"w","b":"p","c":1}])")).is_ok());
  EXPECT_EQ(rows_of(engine, "v"), 8u);  // w collapsed, x collapsed
  ASSERT_TRUE(engine.set_depth("v", 1).is_ok());
  EXPECT_EQ(rows_of(engine, "v"), 11u);
  ASSERT_TRUE(
      engine.update("t", json(R"([{"a":"v","b":"p","c":1},{"a":"x","b":"s","c":1}])")).is_ok());
  EXPECT_EQ(rows_of(engine, "v"), 14u);  // v and v/p, x/s
}

TEST(GroupedView, SetDepthOfSplitViews) {
  Engine engine;
  ASSERT_TRUE(engine.create_table("t", json(R"([{"a":"k","b":"p","n":5}])"), {}).is_ok());
  auto both = view_config_from_json(R"({"group_by":["a","b"],"split_by":["a"]})");
  ASSERT_TRUE(engine.create_view("t", "x", both.value()).is_ok());
  ASSERT_TRUE(engine.set_depth("x", 0).is_ok());
  EXPECT_EQ(rows_of(engine, "x"), 2u);
  ASSERT_TRUE(engine.set_depth("x", 3).is_ok());  // ignored
  EXPECT_EQ(rows_of(engine, "x"), 2u);
  ASSERT_TRUE(engine.set_depth("x", 2).is_ok());
  EXPECT_EQ(rows_of(engine, "x"), 3u);
  // Split-only rows sit below a hidden totals row (row 0 to expand and collapse), which
  // set_depth expands again.
  auto split_only = view_config_from_json(R"({"split_by":["a"],"columns":["n"]})");
  ASSERT_TRUE(engine.create_view("t", "s", split_only.value()).is_ok());
  EXPECT_EQ(engine.collapse("s", 0).value(), 1);
  EXPECT_EQ(rows_of(engine, "s"), 0u);
  ASSERT_TRUE(engine.set_depth("s", 1).is_ok());
  EXPECT_EQ(rows_of(engine, "s"), 1u);
}

}  // namespace
}  // namespace parallax

namespace parallax {
namespace {

// Sorted views of many groups move a group whose cells alone changed by binary search,
// shifting the groups it passes and their rows (GroupedView::move_child,
// GroupedLayout::child_moved): after each one-row change, with some groups collapsed, they
// read as a view that rebuilt itself.
TEST(GroupedViewFollow, SortedGroupsMovedOneByOneReadAsARebuild) {
  std::mt19937 random(20261207);
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  auto row = [&](int id) {
    // Values are multiples of 0.5: sums are exact in any order.
    return "{\"id\":" + std::to_string(id) + ",\"g\":" + std::to_string(pick(6)) +
           ",\"h\":" + std::to_string(pick(80)) + ",\"x\":" + std::to_string(pick(400) - 100) +
           ".5}";
  };
  const char* configs[] = {
      R"({"group_by":["h"],"columns":["x"],"aggregates":{"x":"sum"},"sort":[["x","desc"]]})",
      R"({"group_by":["g","h"],"columns":["x"],"aggregates":{"x":"sum"},"sort":[["x","asc"]]})",
      R"({"group_by":["g","h"],"columns":["x"],"aggregates":{"x":"max"},"sort":[["x","desc"]]})",
      R"({"group_by":["h","g"],"columns":["x"],"aggregates":{"x":"avg"},"sort":[["x","desc"]]})",
      R"({"group_by":["g","h"],"columns":["x"],"aggregates":{"x":"median"},"sort":[["x","asc"]]})",
  };
  for (const char* config_json : configs) {
    SCOPED_TRACE(config_json);
    Engine engine;
    std::string rows = "[";
    for (int id = 0; id < 3000; ++id) rows.append(id ? "," : "").append(row(id));
    TableOptions options;
    options.index = "id";
    ASSERT_TRUE(engine.create_table("t", json(rows + "]"), options).is_ok());
    for (const std::string name : {"live", "rebuilt"}) {
      ASSERT_TRUE(
          engine.create_view("t", name, view_config_from_json(config_json).value()).is_ok());
    }
    dynamic_cast<GroupedView&>(*engine.view_for_testing("rebuilt").value())
        .set_follow_changes_for_testing(false);
    for (int step = 0; step < 300; ++step) {
      // Mostly one row's value (its group alone moves), sometimes its groups too, or a new
      // row; now and then a collapse or an expand.
      const int id = pick(20) ? pick(3000) : 3000 + step;
      std::string change;
      if (pick(3)) {
        change = "[{\"id\":" + std::to_string(id) + ",\"x\":" + std::to_string(pick(4000) - 2000) +
                 ".5}]";
      } else {
        change = "[" + row(id) + "]";
      }
      ASSERT_TRUE(engine.update("t", json(change)).is_ok());
      if (pick(25) == 0) {
        const size_t at = static_cast<size_t>(pick(static_cast<int>(rows_of(engine, "live"))));
        for (const std::string name : {"live", "rebuilt"}) {
          ASSERT_TRUE((step % 2 ? engine.expand(name, at) : engine.collapse(name, at)).is_ok());
        }
      }
      ASSERT_EQ(read_all(engine, "live"), read_all(engine, "rebuilt"))
          << "after step " << step << ": " << change;
    }
  }
}

}  // namespace
}  // namespace parallax

#include "api/view_output.h"
#include "formats/json_writer.h"

namespace parallax {
namespace {

using test::json;

// A change moves every percentage under the sums it moved; a followed view computes them when
// read, for the rows read only (GroupedMeasures::percentages_moved). Windows of rows and of
// columns, and min_max over every group, must read as a rebuilt view's after each change.
TEST(GroupedViewFollow, PercentagesReadInWindowsAsARebuild) {
  const char* configs[] = {
      R"({"group_by":["g","h"],"columns":["x","y"],"aggregates":{"x":"pct sum parent","y":"pct sum total"}})",
      R"({"group_by":["g","h"],"split_by":["s"],"columns":["x","y"],"aggregates":{"x":"pct sum parent","y":"pct sum total"}})",
      R"({"group_by":["g"],"split_by":["s","k"],"columns":["x","y"],"aggregates":{"x":"pct sum parent","y":"pct sum total"}})",
      R"({"group_by":["h"],"columns":["y","x"],"aggregates":{"y":"pct sum parent","x":"sum"},"sort":[["y","desc"]]})",
  };
  std::mt19937 random(20261208);
  auto value = [&] { return std::to_string(static_cast<int>(random() % 41) - 10) + ".25"; };
  const char* groups[] = {"\"a\"", "\"b\"", "\"c\"", "null"};
  auto row = [&](int id) {
    return "{\"id\":" + std::to_string(id) + ",\"g\":" + groups[random() % 4] +
           ",\"h\":" + std::to_string(id % 300) + ",\"s\":\"" + "xy"[random() % 2] +
           "\",\"k\":" + std::to_string(random() % 3) + ",\"x\":" + value() + ",\"y\":" + value() +
           "}";
  };
  for (const char* config : configs) {
    SCOPED_TRACE(config);
    Engine engine;
    std::string rows = "[";
    for (int id = 0; id < 3000; ++id) rows += (id ? "," : "") + row(id);
    TableOptions options;
    options.index = "id";
    ASSERT_TRUE(engine.create_table("t", json(rows + "]"), options).is_ok());
    for (const char* name : {"live", "rebuilt"})
      ASSERT_TRUE(engine.create_view("t", name, view_config_from_json(config).value()).is_ok());
    dynamic_cast<GroupedView&>(*engine.view_for_testing("rebuilt").value())
        .set_follow_changes_for_testing(false);
    for (int step = 0; step < 12; ++step) {
      std::string batch = "[";
      const int count = 1 + static_cast<int>(random() % 3);
      for (int i = 0; i < count; ++i) batch += (i ? "," : "") + row(random() % 3000);
      ASSERT_TRUE(engine.update("t", json(batch + "]")).is_ok());
      const View* live = engine.view("live").value();
      const View* rebuilt = engine.view("rebuilt").value();
      for (const auto& [start, end] :
           std::vector<std::pair<double, double>>{{0, 1}, {0, 50}, {3, 9}, {120, 180}, {0, 2000}}) {
        ViewWindow window;
        window.start_row = start;
        window.end_row = end;
        for (const double start_col : {0.0, 1.0}) {
          window.start_col = start_col;
          ASSERT_EQ(write_json_columns(live->read(window, KeyColumns::kTrailing)),
                    write_json_columns(rebuilt->read(window, KeyColumns::kTrailing)))
              << "step " << step << ", rows " << start << ".." << end << " from column "
              << start_col;
        }
      }
      for (const char* column : {"x", "y"}) {
        const auto seen = live->min_max(column).value(),
                   expected = rebuilt->min_max(column).value();
        EXPECT_EQ(min_max_value_json(seen.first), min_max_value_json(expected.first)) << column;
        EXPECT_EQ(min_max_value_json(seen.second), min_max_value_json(expected.second)) << column;
      }
    }
  }
}

}  // namespace
}  // namespace parallax
