#include "api/engine.h"

#include <gtest/gtest.h>

#include <chrono>

#include "engine_fixture.h"

namespace parallax {
namespace {

using test::json;

TEST(Engine, OnUpdateHearsEveryChangeOfTheViewsTableUntilRemoved) {
  Engine engine;
  ASSERT_TRUE(engine.create_table("t", json(R"([{"k":1,"x":2}])"), {.index = "k"}).is_ok());
  ASSERT_TRUE(engine.create_table("other", json(R"([{"y":1}])"), {}).is_ok());
  ASSERT_TRUE(engine.create_view("t", "v", {}).is_ok());
  std::vector<size_t> added, updated;
  auto id = engine.on_update("v", [&](const ViewUpdate& update) {
    EXPECT_EQ(update.view, "v");
    added.push_back(update.changes.added_rows.size());
    updated.push_back(update.changes.updated_rows.size());
  });
  ASSERT_TRUE(id.is_ok());
  ASSERT_TRUE(engine.update("t", json(R"([{"k":1,"x":3},{"k":2,"x":4}])")).is_ok());
  ASSERT_TRUE(engine.update("other", json(R"([{"y":2}])")).is_ok());   // not the view's table
  EXPECT_FALSE(engine.update("t", json(R"([{"k":"bad"}])")).is_ok());  // failed: no callback
  EXPECT_EQ(added, std::vector<size_t>({1}));
  EXPECT_EQ(updated, std::vector<size_t>({1}));

  ASSERT_TRUE(engine.remove_update("v", *id).is_ok());
  EXPECT_FALSE(engine.remove_update("v", *id).is_ok());
  ASSERT_TRUE(engine.clear("t").is_ok());
  EXPECT_EQ(added.size(), 1u);
  EXPECT_FALSE(engine.on_update("missing", [](const ViewUpdate&) {}).is_ok());
}

TEST(Engine, ValidatesExpressionsAndKeepsExpressionColumnsCurrent) {
  Engine engine;
  ASSERT_TRUE(engine.create_table("t", json(R"([{"k":1,"x":2.5}])"), {.index = "k"}).is_ok());
  auto validation = engine.validate_expressions("t", {{"double", "\"x\" * 2"}, {"bad", "1 +"}});
  ASSERT_TRUE(validation.is_ok());
  ASSERT_EQ(validation->schema.size(), 1u);
  EXPECT_EQ(validation->schema[0].type, DataType::kFloat);
  ASSERT_EQ(validation->errors.size(), 1u);
  EXPECT_EQ(validation->errors[0].name, "bad");
  EXPECT_FALSE(engine.validate_expressions("missing", {}).is_ok());

  ViewConfig config;
  config.expressions = {{"double", "\"x\" * 2"}};
  config.sort = {{"double", SortDirection::kDescending}};
  ASSERT_TRUE(engine.create_view("t", "v", config).is_ok());
  auto schema = engine.expression_schema("v");
  ASSERT_TRUE(schema.is_ok());
  ASSERT_EQ(schema->size(), 1u);
  EXPECT_EQ((*schema)[0].name, "double");

  // An update after the view exists reaches its expression column (and its sort).
  ASSERT_TRUE(engine.update("t", json(R"([{"k":2,"x":10}])")).is_ok());
  const View* view = engine.view("v").value();
  Frame frame = view->read({}, KeyColumns::kNone);
  ASSERT_EQ(frame.rows.size(), 2u);
  const Column& doubled = *frame.columns.back().column;
  EXPECT_EQ(doubled.value<double>(frame.rows[0]), 20);
  EXPECT_EQ(doubled.value<double>(frame.rows[1]), 5);
  config.expressions = {{"k", "1"}};
  EXPECT_FALSE(engine.create_view("t", "w", config).is_ok());
}

// view.expression_schema as the reference answers it (every front end asks the engine): each
// expression with the type the view shows it as (a count of a boolean is an integer), or its
// own type when the view does not show it (hidden, or only in group_by).
TEST(Engine, ExpressionSchemaHasTheShownTypeElseTheExpressionsOwn) {
  Engine engine;
  ASSERT_TRUE(engine.create_table("t", json(R"([{"a":1,"b":"x"},{"a":2,"b":"y"}])"), {}).is_ok());
  ViewConfig config;
  config.group_by = {"label"};
  config.columns = {"a", "big"};
  config.expressions = {
      {"label", "concat(\"b\", 'z')"}, {"big", "\"a\" > 1"}, {"hidden", "\"a\" + 1"}};
  config.aggregates = {{"big", "count", std::nullopt}, {"hidden", "count", std::nullopt}};
  ASSERT_TRUE(engine.create_view("t", "v", config).is_ok());
  auto schema = engine.expression_schema("v");
  ASSERT_TRUE(schema.is_ok());
  ASSERT_EQ(schema->size(), 3u);
  EXPECT_EQ((*schema)[0].name, "label");
  EXPECT_EQ((*schema)[0].type, DataType::kString);
  EXPECT_EQ((*schema)[1].name, "big");
  EXPECT_EQ((*schema)[1].type, DataType::kInteger);
  EXPECT_EQ((*schema)[2].name, "hidden");
  EXPECT_EQ((*schema)[2].type, DataType::kFloat);

  auto dimensions = engine.dimensions("v");
  ASSERT_TRUE(dimensions.is_ok());
  EXPECT_EQ(dimensions->num_table_rows, 2u);
  EXPECT_EQ(dimensions->num_table_columns, 2u);
  EXPECT_EQ(dimensions->num_view_rows, 3u);  // the totals row and two groups
  EXPECT_EQ(dimensions->num_view_columns, 2u);
  EXPECT_FALSE(engine.dimensions("missing").is_ok());
}

// The 103-byte loop bomb of issue 16: 10^10 rounds held the engine for minutes. Each
// evaluation has a budget (ExpressionLimits): the view is refused with a clear error within
// a second, and the engine goes on serving.
constexpr const char* kLoopBomb =
    "var s := 0; for (var i := 0; i < 100000; i += 1) { for (var j := 0; j < 100000; j += 1) "
    "{ s += 1 } }; s";

TEST(Engine, AnExpressionPastItsBudgetFailsTheViewQuickly) {
  Engine engine;
  ASSERT_TRUE(engine.create_table("t", json(R"([{"k":1,"x":2.5}])"), {.index = "k"}).is_ok());
  ViewConfig config;
  config.expressions = {{"bomb", kLoopBomb}};
  const auto start = std::chrono::steady_clock::now();
  const Status made = engine.create_view("t", "v", config);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(made.is_ok());
  EXPECT_NE(made.message().find("evaluation stopped after"), std::string::npos) << made.message();
  EXPECT_LT(seconds, 5.0);
  EXPECT_FALSE(engine.view("v").is_ok());

  // Text that doubles each round is work too (2^64 bytes, else).
  config.expressions = {{"text",
                         "var s := 'ab'; for (var i := 0; i < 64; i += 1) "
                         "{ s := concat(s, s) }; length(s)"}};
  EXPECT_FALSE(engine.create_view("t", "v", config).is_ok());

  // A loop within the budget still works, and the limit is the engine's to set.
  config.expressions = {{"loop", "var s := 0; for (var i := 0; i < 1000; i += 1) { s += 1 }; s"}};
  ASSERT_TRUE(engine.create_view("t", "v", config).is_ok());
  engine.set_expression_limits({.steps = 1000, .steps_per_row = 0});
  EXPECT_FALSE(engine.create_view("t", "w", config).is_ok());
  EXPECT_EQ(engine.expression_limits().steps, 1000u);
}

// The budget is the view's, not each expression's: a view of many expressions that each
// fit would otherwise hold the engine that many times as long.
TEST(Engine, TheExpressionsOfAViewShareOneBudget) {
  Engine engine;
  ASSERT_TRUE(engine.create_table("t", json(R"([{"x":1}])"), {}).is_ok());
  // About 14,000 steps: 100 rounds of 8 nodes, at 17 steps a node over one row.
  const std::string loop = "var s := 0; for (var i := 0; i < 100; i += 1) { s += 1 }; s";
  engine.set_expression_limits({.steps = 20'000, .steps_per_row = 0});
  ViewConfig config;
  config.expressions = {{"a", loop}};
  ASSERT_TRUE(engine.create_view("t", "one", config).is_ok());
  config.expressions = {{"a", loop}, {"b", loop}};
  const Status two = engine.create_view("t", "two", config);
  ASSERT_FALSE(two.is_ok());
  EXPECT_NE(two.message().find("expression 'b': evaluation stopped"), std::string::npos)
      << two.message();
}

// After the view exists, an update that makes its loop run past the budget leaves the
// expression's cells null for the rows of that update; the update and other views go on.
TEST(Engine, AnUpdatePastTheBudgetLeavesTheExpressionNull) {
  Engine engine;
  ASSERT_TRUE(engine.create_table("t", json(R"([{"k":1,"x":3}])"), {.index = "k"}).is_ok());
  engine.set_expression_limits({.steps = 100'000, .steps_per_row = 0});
  ViewConfig config;
  config.expressions = {{"rounds", "var s := 0; while (s < \"x\") { s += 1 }; s"}};
  ASSERT_TRUE(engine.create_view("t", "v", config).is_ok());
  ASSERT_TRUE(engine.update("t", json(R"([{"k":2,"x":1e9}])")).is_ok());
  Frame frame = engine.view("v").value()->read({}, KeyColumns::kNone);
  ASSERT_EQ(frame.rows.size(), 2u);
  const Column& rounds = *frame.columns.back().column;
  EXPECT_EQ(rounds.value<double>(frame.rows[0]), 3);
  EXPECT_TRUE(rounds.is_null(frame.rows[1]));
}

// A JSON key beyond int64's range names no row: it is ignored, not cast (undefined behaviour,
// which on x86 made it INT64_MIN and removed the row of that key).
TEST(Engine, RemoveIgnoresNumericKeysBeyondInt64) {
  Engine engine;
  RowBatch batch;
  batch.num_rows = 1;
  batch.columns.push_back({"t", Column(DataType::kDatetime), std::nullopt});
  batch.columns[0].values.append<int64_t>(INT64_MIN);
  ASSERT_TRUE(engine.create_table("t", batch, {.index = "t"}).is_ok());
  ASSERT_TRUE(engine.remove("t", "[1e300, -1e300, 9.3e18]").is_ok());
  EXPECT_EQ(engine.table("t").value()->num_rows(), 1u);
}

}  // namespace
}  // namespace parallax
