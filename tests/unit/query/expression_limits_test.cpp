// Hostile expressions: nesting past what the stack holds, trees deep from long operator
// chains, and evaluations that would run (or allocate) without end. Each must end with a
// clear error, never a crash or a hang.
#include <pthread.h>

#include <chrono>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "query/expressions/expression.h"
#include "query/expressions/parser.h"

namespace parallax {
namespace {

using expressions::ExpressionError;
using expressions::kMaxNesting;

std::string repeat(std::string_view piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// Runs `work` on a thread with `stack_bytes` of stack, as a smaller stack than the engine
// thread's 8 MiB: what passes here has that much headroom.
void on_stack(size_t stack_bytes, const std::function<void()>& work) {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, stack_bytes);
  pthread_t thread;
  auto run = [](void* argument) -> void* {
    (*static_cast<const std::function<void()>*>(argument))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attributes, run, const_cast<std::function<void()>*>(&work)),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attributes);
}

std::unique_ptr<Table> one_row_table() {
  auto table = Table::create(Schema({{"x", DataType::kFloat}}), {}).value();
  RowBatch batch;
  batch.num_rows = 1;
  BatchColumn x{"x", Column(DataType::kFloat), std::nullopt};
  x.values.append<double>(1);
  batch.columns.push_back(std::move(x));
  EXPECT_TRUE(table->update(batch).is_ok());
  return table;
}

// Nested shapes: `depth` levels of each construct around "x".
std::vector<std::pair<std::string, std::string>> nested_shapes(size_t depth) {
  return {
      {"parentheses", repeat("(", depth) + "\"x\"" + repeat(")", depth)},
      {"additions", "\"x\"" + repeat(" + 1", depth)},
      {"products", "\"x\"" + repeat("*1", depth)},
      {"comparisons", "\"x\"" + repeat(" < 1", depth)},
      {"and chain", "\"x\"" + repeat(" and 1", depth)},
      {"minus", repeat("-", depth) + "\"x\""},
      {"plus", repeat("+", depth) + "\"x\""},
      {"abs calls", repeat("abs(", depth) + "\"x\"" + repeat(")", depth)},
      {"powers", "\"x\"" + repeat("^1", depth)},
      {"conditionals", repeat("1 ? 2 : ", depth) + "\"x\""},
      {"if functions", repeat("if(1, 2, ", depth) + "\"x\"" + repeat(")", depth)},
      {"braces", repeat("{", depth) + "\"x\"" + repeat("}", depth)},
      {"else if", repeat("if (\"x\" > 1) { 1 } else ", depth) + "{ 2 }"},
      {"assignments", "var v := 0; " + repeat("v := v + 1; ", depth) + "v" + repeat(" + v", depth)},
  };
}

// The attacks of the issue (12,000 parentheses, 30,000 `+` terms, 50,000 unary minus,
// 20,000 `abs(`) and the other constructs that nest, at several times the limit: each is
// refused with a clear error, not a stack overflow.
TEST(ExpressionLimits, DeepNestingIsRefusedWithAClearError) {
  auto table = one_row_table();
  std::vector<std::pair<std::string, std::string>> attacks = {
      {"12,000 parentheses", repeat("(", 12000) + "1" + repeat(")", 12000)},
      {"30,000 + terms", "1" + repeat("+1", 30000)},
      {"50,000 unary minus", repeat("-", 50000) + "1"},
      {"20,000 abs(", repeat("abs(", 20000) + "1" + repeat(")", 20000)},
      {"unclosed brackets", repeat("(", 200000)},
      // Each `if(` once scanned the rest of the text for a ',' (quadratic).
      {"if( without commas", repeat("if(", 300000)},
      {"for in for", repeat("for (", 200000)},
      {"for bodies", repeat("for (var i := 0; i < 1; i += 1) { ", 30000)},
      {"while bodies", repeat("while (1) { ", 30000)},
  };
  for (auto& shape : nested_shapes(30000)) attacks.push_back(shape);
  for (const auto& [what, text] : attacks) {
    ExpressionError error;
    auto compiled = Expression::compile("e", text, table->schema(), &error);
    ASSERT_FALSE(compiled.is_ok()) << what;
    EXPECT_NE(error.message.find("nested too deeply"), std::string::npos)
        << what << ": " << error.message;
    // table.validate_expressions answers the same error.
    const auto validation = validate_expressions(table->schema(), {{"e", text}});
    ASSERT_EQ(validation.errors.size(), 1u) << what;
    EXPECT_NE(validation.errors[0].message.find("nested too deeply"), std::string::npos);
  }
}

TEST(ExpressionLimits, TextOverOneMebibyteIsRefused) {
  auto table = one_row_table();
  ExpressionError error;
  EXPECT_FALSE(Expression::compile("e", repeat("1;", 600000), table->schema(), &error).is_ok());
  EXPECT_NE(error.message.find("Expression too long"), std::string::npos) << error.message;
  EXPECT_TRUE(Expression::compile("e", repeat("1;", 500000), table->schema(), &error).is_ok());
}

// Just under the limit every shape compiles and evaluates, on a quarter of the engine
// thread's stack (measured in a Release build: the deepest shape, braces, needs 1-1.5 MiB at
// the limit; parentheses, calls and if() up to 1 MiB; the rest under 768 KiB).
TEST(ExpressionLimits, NestingUpToTheLimitWorksOnASmallStack) {
  auto table = one_row_table();
  on_stack(2 << 20, [&] {
    for (const auto& [what, text] : nested_shapes(kMaxNesting - 10)) {
      auto compiled = Expression::compile("e", text, table->schema());
      ASSERT_TRUE(compiled.is_ok()) << what << ": " << compiled.status().message();
      Column out(compiled->type());
      ASSERT_TRUE(compiled->compute(*table, nullptr, out).is_ok()) << what;
      EXPECT_EQ(out.size(), 1u) << what;
    }
  });
}

// One float column "x" holding 0, 1, 2, ... in `rows` rows.
std::unique_ptr<Table> numbered_table(size_t rows) {
  auto table = Table::create(Schema({{"x", DataType::kFloat}}), {}).value();
  RowBatch batch;
  batch.num_rows = rows;
  BatchColumn x{"x", Column(DataType::kFloat), std::nullopt};
  for (size_t row = 0; row < rows; ++row) x.values.append<double>(row);
  batch.columns.push_back(std::move(x));
  EXPECT_TRUE(table->update(batch).is_ok());
  return table;
}

Status evaluate(const std::string& text, const Table& table, const ExpressionLimits& limits) {
  auto compiled = Expression::compile("e", text, table.schema());
  EXPECT_TRUE(compiled.is_ok()) << text << ": " << compiled.status().message();
  if (!compiled.is_ok()) return compiled.status();
  Column out(compiled->type());
  const Status status = compiled->compute(table, nullptr, out, limits);
  EXPECT_EQ(out.size(), table.num_rows());
  if (!status.is_ok()) {
    for (size_t row = 0; row < out.size(); ++row) EXPECT_TRUE(out.is_null(row));
  }
  return status;
}

// Work without end (loops inside loops, text doubled in or out of loops) stops at the
// budget with a clear error, in well under a second at the default limits.
TEST(ExpressionLimits, EvaluationStopsAtItsBudget) {
  auto table = one_row_table();
  const std::vector<std::string> bombs = {
      "var s := 0; for (var i := 0; i < 100000; i += 1) { for (var j := 0; j < 100000; j += 1) "
      "{ s += 1 } }; s",
      "var s := 0; while (true) { while (true) { s += 1 } }; s",
      "var s := 'ab'; for (var i := 0; i < 64; i += 1) { s := concat(s, s) }; length(s)",
      "var s := 'abcdefgh'; " + repeat("s := concat(s, s, s, s); ", 40) + "length(s)",
  };
  for (const auto& bomb : bombs) {
    const auto start = std::chrono::steady_clock::now();
    const Status status = evaluate(bomb, *table, {});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_FALSE(status.is_ok()) << bomb;
    EXPECT_NE(status.message().find("evaluation stopped after"), std::string::npos)
        << status.message();
    EXPECT_LT(seconds, 3.0) << bomb;
  }
}

// The budget is per evaluation, counted in rows times nodes: the same loop fits or not
// depending on the limits, and a plain expression over many rows is never refused.
TEST(ExpressionLimits, TheBudgetCountsStepsAndScalesWithRows) {
  auto table = one_row_table();
  const std::string loop = "var s := 0; for (var i := 0; i < 100; i += 1) { s += \"x\" }; s";
  EXPECT_TRUE(evaluate(loop, *table, {}).is_ok());
  EXPECT_TRUE(evaluate(loop, *table, {.steps = 20000, .steps_per_row = 0}).is_ok());
  EXPECT_FALSE(evaluate(loop, *table, {.steps = 2000, .steps_per_row = 0}).is_ok());

  auto big = numbered_table(200'000);
  // 1000 nodes over 200,000 rows: 2e8 steps, within the per-row part of the default budget.
  EXPECT_TRUE(evaluate("\"x\"" + repeat(" + \"x\"", 499), *big, {}).is_ok());
}

// What an evaluation keeps at once is bounded too: right-nested operands, branches and
// variables over a big table each hold a column (1000 levels over 10M rows: 90 GB).
TEST(ExpressionLimits, EvaluationStopsBeforeHoldingTooManyCells) {
  auto big = numbered_table(100'000);
  const ExpressionLimits limits{.held_cells = 1'000'000};
  auto nested = [](std::string_view open, size_t depth, std::string_view inner = "\"x\"") {
    return repeat(open, depth) + std::string(inner) + repeat(")", depth);
  };
  std::string declarations;
  for (int i = 0; i < 20; ++i) declarations += "var v" + std::to_string(i) + " := \"x\"; ";
  for (const std::string& text :
       {nested("\"x\" + (", 20), nested("concat(string(\"x\"), ", 20, "'x'"),
        nested("if(\"x\" > 1, \"x\", ", 20), declarations + "v0"}) {
    const Status status = evaluate(text, *big, limits);
    ASSERT_FALSE(status.is_ok()) << text;
    EXPECT_NE(status.message().find("would hold more than 1000000 cells"), std::string::npos)
        << status.message();
  }
  EXPECT_TRUE(evaluate(nested("\"x\" + (", 5), *big, limits).is_ok());
  EXPECT_TRUE(evaluate(nested("\"x\" + (", 20), *big, {}).is_ok());
}

}  // namespace
}  // namespace parallax
