// Big groups keep their rows ordered for the aggregates that cannot retract (median,
// distinct count, min, first, ...; query/ordered_rows.h) instead of recomputing them over
// every row. Whatever changes come, a view doing that must read exactly as one that
// recomputes: random aggregates of every type on groups past the size where ordering starts,
// updates that change values, move rows between groups (and across that size) and write nulls.
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

std::string read_all(Engine& engine, const std::string& name) {
  return test::read_json(engine, name);
}

GroupedView& grouped(Engine& engine, const std::string& name) {
  return dynamic_cast<GroupedView&>(*engine.view_for_testing(name).value());
}

class Rows {
 public:
  explicit Rows(uint32_t seed) : random_(seed) {}
  int pick(int n) { return static_cast<int>(random_() % static_cast<uint32_t>(n)); }

  // Row `id`; in group "big" when `big`, else in a small one (or null). `partial`: some
  // fields left out (an upsert keeps them).
  std::string row(int id, bool big, bool partial) {
    std::string out = "{\"id\":" + std::to_string(id);
    auto field = [&](const char* name, const std::string& value) {
      if (partial && pick(2) == 0) return;
      out += std::string(",\"") + name + "\":" + value;
    };
    const char* small_groups[] = {"\"a\"", "\"b\"", "\"c\"", "null"};
    field("g", big ? "\"big\"" : small_groups[pick(4)]);
    field("h", std::to_string(pick(3)));
    field("s", pick(2) ? "\"x\"" : "\"y\"");
    // Few distinct values, so that runs of equal values are long; -0 ties with 0.
    const char* floats[] = {"null", "-0.0", "0.0", "0.5", "-1.5", "2.5", "7.0", "-3.5"};
    field("f", pick(3) == 0 ? std::to_string(pick(200) - 100) + ".25" : floats[pick(8)]);
    field("i", pick(6) == 0 ? "null" : std::to_string(pick(10) - 3));
    field("str", pick(6) == 0 ? "null" : "\"" + std::string(1, char('p' + pick(6))) + "\"");
    const char* booleans[] = {"true", "false", "null"};
    field("b", booleans[pick(3)]);
    field("d", pick(6) == 0 ? "null" : "\"2024-01-0" + std::to_string(1 + pick(9)) + "\"");
    field("t", pick(6) == 0 ? "null" : "\"2024-01-01 10:00:0" + std::to_string(pick(10)) + "\"");
    return out + "}";
  }

  // Any aggregate the registry has for the column's type that is not kept as running totals
  // (those are ordered); one that takes an argument gets f or i.
  std::string aggregate(const std::string& column) {
    const DataType type = column == "f"   ? DataType::kFloat
                          : column == "i" ? DataType::kInteger
                          : column == "d" ? DataType::kDate
                          : column == "t" ? DataType::kDatetime
                          : column == "b" ? DataType::kBoolean
                                          : DataType::kString;
    std::vector<const AggregateDescriptor*> list;
    for (const AggregateDescriptor& aggregate : all_aggregates()) {
      if ((aggregate.accepts & type_bit(type)) && aggregate.retraction == Retraction::kNone)
        list.push_back(&aggregate);
    }
    const AggregateDescriptor& chosen = *list[pick(static_cast<int>(list.size()))];
    const std::string name(chosen.name);
    if (chosen.takes_argument) return "[\"" + name + "\",[\"" + (pick(2) ? "f" : "i") + "\"]]";
    return "\"" + name + "\"";
  }

  std::string config() {
    const char* group_bys[] = {"[\"g\"]", "[\"g\",\"h\"]", "[\"h\",\"g\"]", "[]"};
    std::string group_by = group_bys[pick(4)];
    const std::string split_by = group_by == "[]" || pick(3) == 0 ? "[\"s\"]" : "[]";
    std::string out = "{\"group_by\":" + group_by + ",\"split_by\":" + split_by +
                      ",\"columns\":[\"f\",\"i\",\"str\",\"b\",\"d\",\"t\"],\"aggregates\":{";
    const char* columns[] = {"f", "i", "str", "b", "d", "t"};
    for (int c = 0; c < 6; ++c) {
      out += std::string(c ? "," : "") + "\"" + columns[c] + "\":" + aggregate(columns[c]);
    }
    out += "}";
    // A sort by an aggregate keeps its own order too.
    if (pick(3) == 0) out += ",\"sort\":[[\"" + std::string(columns[pick(6)]) + "\",\"desc\"]]";
    return out + "}";
  }

 private:
  std::mt19937 random_;
};

TEST(GroupedViewOrdered, ReadsAsRecomputingAfterEveryChange) {
  constexpr int kBig = GroupedView::kReaddBelow + 8;  // a few moves take it across
  constexpr int kRows = kBig + 400;
  Rows random(20261122);
  size_t kept_somewhere = 0;
  for (int scenario = 0; scenario < 60; ++scenario) {
    Engine engine;
    Schema schema;
    for (const auto& [name, type] :
         std::vector<std::pair<const char*, DataType>>{{"id", DataType::kInteger},
                                                       {"g", DataType::kString},
                                                       {"h", DataType::kInteger},
                                                       {"s", DataType::kString},
                                                       {"f", DataType::kFloat},
                                                       {"i", DataType::kInteger},
                                                       {"str", DataType::kString},
                                                       {"b", DataType::kBoolean},
                                                       {"d", DataType::kDate},
                                                       {"t", DataType::kDatetime}}) {
      schema.add({name, type});
    }
    ASSERT_TRUE(engine.create_table("t", schema, {.index = "id"}).is_ok());
    std::string rows = "[";
    for (int id = 0; id < kRows; ++id) {
      rows.append(id ? "," : "").append(random.row(id, id < kBig, false));
    }
    ASSERT_TRUE(engine.update("t", json(rows + "]")).is_ok());
    const std::string config = random.config();
    SCOPED_TRACE("scenario " + std::to_string(scenario) + ": " + config);
    for (const char* name : {"ordered", "recomputed"}) {
      ASSERT_TRUE(engine.create_view("t", name, view_config_from_json(config).value()).is_ok());
    }
    grouped(engine, "recomputed").set_keep_ordered_for_testing(false);
    ASSERT_EQ(read_all(engine, "ordered"), read_all(engine, "recomputed"));
    for (int step = 0; step < 12; ++step) {
      if (random.pick(12) == 0) {
        ASSERT_TRUE(engine.remove("t", "[" + std::to_string(random.pick(kRows)) + "]").is_ok());
      } else {
        std::string batch = "[";
        const int count = 1 + random.pick(5);
        for (int i = 0; i < count; ++i) {
          // Mostly upserts of existing rows (which may move between groups), some inserts.
          const int id = random.pick(6) ? random.pick(kRows) : 10000 + random.pick(100);
          batch.append(i ? "," : "").append(random.row(id, random.pick(2), random.pick(2)));
        }
        ASSERT_TRUE(engine.update("t", json(batch + "]")).is_ok());
      }
      ASSERT_EQ(read_all(engine, "ordered"), read_all(engine, "recomputed"))
          << "after step " << step;
      kept_somewhere += grouped(engine, "ordered").ordered_groups_for_testing();
      EXPECT_EQ(grouped(engine, "recomputed").ordered_groups_for_testing(), 0u);
    }
  }
  // The comparison above is only worth something if the ordered path ran.
  EXPECT_GT(kept_somewhere, 0u);
}

// Join keeps the first row of each run of equal values, and the text they make, until a
// change puts a row first in its run or takes a run's first row out (OrderedRows::firsts_):
// values held by one row of a big group come and go, and -0 and 0 (one run, shown as the
// text of its first row) change places at the front of their run.
TEST(GroupedViewOrdered, JoinFollowsRunsComingAndGoing) {
  constexpr int kRows = GroupedView::kReaddBelow + 300;
  auto row = [](int id, const std::string& text, const char* number) {
    return "{\"id\":" + std::to_string(id) + ",\"g\":\"big\",\"str\":\"" + text +
           "\",\"f\":" + number + "}";
  };
  Engine engine;
  std::string rows = "[";
  for (int id = 0; id < kRows; ++id) {
    rows += (id ? "," : "") + row(id, "common" + std::to_string(id % 4), id % 3 ? "0.0" : "-0.0");
  }
  ASSERT_TRUE(engine.create_table("t", json(rows + "]"), {.index = "id"}).is_ok());
  const char* config =
      R"({"group_by":["g"],"columns":["str","f"],"aggregates":{"str":"join","f":"join"}})";
  for (const char* name : {"ordered", "recomputed"})
    ASSERT_TRUE(engine.create_view("t", name, view_config_from_json(config).value()).is_ok());
  grouped(engine, "recomputed").set_keep_ordered_for_testing(false);
  std::mt19937 random(20261208);
  for (int step = 0; step < 300; ++step) {
    // Often the first rows, which lead the runs of -0 and 0.
    const int id = static_cast<int>(random() % 2 ? random() % 8 : random() % kRows);
    const std::string text =
        random() % 3 == 0 ? "rare" + std::to_string(step) : "common" + std::to_string(random() % 4);
    const char* numbers[] = {"0.0", "-0.0", "1.5"};
    ASSERT_TRUE(engine.update("t", json("[" + row(id, text, numbers[random() % 3]) + "]")).is_ok());
    ASSERT_EQ(read_all(engine, "ordered"), read_all(engine, "recomputed")) << "after step " << step;
  }
  EXPECT_GT(grouped(engine, "ordered").ordered_groups_for_testing(), 0u);
}

// A long stream that keeps changing the first row of a run (each time a text never seen
// before, so each joined text is new): the cells keep only the texts still in use, not every
// joined text ever written, and the view still reads as one built afresh. A small group
// (recomputed by the kernel) and the totals row too.
TEST(GroupedViewOrdered, JoinKeepsOnlyTheTextsInUse) {
  constexpr int kRows = GroupedView::kReaddBelow + 300;
  auto row = [](int id, const std::string& group, const std::string& text) {
    return "{\"id\":" + std::to_string(id) + ",\"g\":\"" + group + "\",\"str\":\"" + text + "\"}";
  };
  Engine engine;
  std::string rows = "[";
  for (int id = 0; id < kRows; ++id) {
    rows += (id ? "," : "") + row(id, id < 10 ? "small" : "big", "v" + std::to_string(id % 50));
  }
  ASSERT_TRUE(engine.create_table("t", json(rows + "]"), {.index = "id"}).is_ok());
  const char* config = R"({"group_by":["g"],"columns":["str"],"aggregates":{"str":"join"}})";
  ASSERT_TRUE(engine.create_view("t", "streamed", view_config_from_json(config).value()).is_ok());
  const size_t texts_at_start = grouped(engine, "streamed").texts_held_for_testing();
  constexpr int kSteps = 3000;
  for (int step = 0; step < kSteps; ++step) {
    // A new text, first of its own run, in the big group and then in the small one.
    const std::string text = "new" + std::to_string(step);
    const int id = step % 2 ? 10 + step % 7 : step % 10;
    ASSERT_TRUE(
        engine.update("t", json("[" + row(id, id < 10 ? "small" : "big", text) + "]")).is_ok());
    if (step % 500 == 0) (void)read_all(engine, "streamed");
  }
  const std::string streamed = read_all(engine, "streamed");
  EXPECT_GT(grouped(engine, "streamed").ordered_groups_for_testing(), 0u);
  // At most twice the three cells (the totals row, big, small) and the pruning's slack of
  // 64, not one text per change (6,001 without the pruning).
  const size_t held = grouped(engine, "streamed").texts_held_for_testing();
  EXPECT_LE(held, texts_at_start + 2 * 3 + 64) << "texts held after " << kSteps << " changes";
  ASSERT_TRUE(engine.create_view("t", "rebuilt", view_config_from_json(config).value()).is_ok());
  EXPECT_EQ(streamed, read_all(engine, "rebuilt"));
}

TEST(GroupedViewOrdered, KeepsNoOrderUntilAChangeTouchesABigGroup) {
  // A view that never changes must not pay for ordered rows: they are made by the first
  // change that touches a big group, and then read as recomputing does.
  Engine engine;
  std::string rows = "[";
  for (int id = 0; id < 3 * GroupedView::kReaddBelow; ++id) {
    rows.append(id ? "," : "")
        .append("{\"id\":" + std::to_string(id) + ",\"g\":\"" + (id % 3 ? "big" : "other") +
                "\",\"x\":" + std::to_string(id % 101) + ".5}");
  }
  ASSERT_TRUE(engine.create_table("t", json(rows + "]"), {.index = "id"}).is_ok());
  const char* config =
      R"({"group_by":["g"],"columns":["x","g"],"aggregates":{"x":"median","g":"distinct count"}})";
  for (const char* name : {"ordered", "recomputed"}) {
    ASSERT_TRUE(engine.create_view("t", name, view_config_from_json(config).value()).is_ok());
  }
  grouped(engine, "recomputed").set_keep_ordered_for_testing(false);
  ASSERT_EQ(read_all(engine, "ordered"), read_all(engine, "recomputed"));
  EXPECT_EQ(grouped(engine, "ordered").ordered_groups_for_testing(), 0u);
  ASSERT_TRUE(engine.update("t", json(R"([{"id":1,"x":7000.5}])")).is_ok());
  ASSERT_EQ(read_all(engine, "ordered"), read_all(engine, "recomputed"));
  EXPECT_GT(grouped(engine, "ordered").ordered_groups_for_testing(), 0u);
  ASSERT_TRUE(engine.update("t", json(R"([{"id":4,"x":-3.5,"g":"other"}])")).is_ok());
  ASSERT_EQ(read_all(engine, "ordered"), read_all(engine, "recomputed"));
}

TEST(GroupedViewOrdered, AChangeOfManyRowsRecomputesAndKeepsNoOrder) {
  // Moving one row in ordered rows costs about as much as aggregating kMoveShare rows: a
  // change of many rows of a big group (a live source's window) recomputes it instead, and
  // keeps no order for it; a small change after it builds the order again. Reads as
  // recomputing does throughout (ties, nulls, moves between groups).
  Engine engine;
  constexpr int kRows = 3 * GroupedView::kReaddBelow;
  auto row = [](int id, int round) {
    const int value = (id * 7 + round * 13) % 97;
    return "{\"id\":" + std::to_string(id) + ",\"g\":\"" + ((id + round) % 3 ? "big" : "other") +
           "\",\"x\":" + (value == 5 ? std::string("null") : std::to_string(value) + ".5") + "}";
  };
  std::string rows = "[";
  for (int id = 0; id < kRows; ++id) rows.append(id ? "," : "").append(row(id, 0));
  ASSERT_TRUE(engine.create_table("t", json(rows + "]"), {.index = "id"}).is_ok());
  const char* config =
      R"({"group_by":["g"],"columns":["x","id"],"aggregates":{"x":"max","id":"median"}})";
  for (const char* name : {"ordered", "recomputed"}) {
    ASSERT_TRUE(engine.create_view("t", name, view_config_from_json(config).value()).is_ok());
  }
  grouped(engine, "recomputed").set_keep_ordered_for_testing(false);
  ASSERT_EQ(read_all(engine, "ordered"), read_all(engine, "recomputed"));
  ASSERT_TRUE(engine.update("t", json(R"([{"id":1,"x":7000.5}])")).is_ok());
  ASSERT_EQ(read_all(engine, "ordered"), read_all(engine, "recomputed"));
  ASSERT_GT(grouped(engine, "ordered").ordered_groups_for_testing(), 0u);
  for (int round = 1; round <= 3; ++round) {
    // Every 4th row, some of them moving between groups: far more than 1 in kMoveShare.
    std::string batch = "[";
    for (int id = round; id < kRows; id += 4)
      batch.append(batch.size() > 1 ? "," : "").append(row(id, round));
    ASSERT_TRUE(engine.update("t", json(batch + "]")).is_ok());
    ASSERT_EQ(read_all(engine, "ordered"), read_all(engine, "recomputed")) << "round " << round;
    EXPECT_EQ(grouped(engine, "ordered").ordered_groups_for_testing(), 0u) << "round " << round;
  }
  ASSERT_TRUE(engine.update("t", json(R"([{"id":2,"x":-1.5}])")).is_ok());
  ASSERT_EQ(read_all(engine, "ordered"), read_all(engine, "recomputed"));
  EXPECT_GT(grouped(engine, "ordered").ordered_groups_for_testing(), 0u);
}

}  // namespace
}  // namespace parallax
