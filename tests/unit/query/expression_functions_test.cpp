// The expression functions' and operators' tables: no name given twice, every row complete,
// every function the reference documents present, every operator the parser makes resolved.
#include "query/expressions/functions.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace parallax::expressions {
namespace {

TEST(ExpressionFunctions, EveryNameOnceAndEveryRowComplete) {
  EXPECT_EQ(duplicate_function_name(), "");
  std::set<std::string_view> names;
  for (const Function* function : all_functions()) {
    EXPECT_TRUE(names.insert(function->name).second) << function->name;
    EXPECT_NE(function->check, nullptr) << function->name;
    EXPECT_NE(function->kernel, nullptr) << function->name;
    EXPECT_LE(function->min_arguments, function->max_arguments) << function->name;
    EXPECT_EQ(find_function(function->name), function);
  }
  // The reference's functions (tests/differential/validate_expressions.json lists the same).
  for (const char* name :
       {"abs",           "sqrt",    "exp",       "log",         "log10",       "ceil",
        "floor",         "round",   "sin",       "cos",         "tan",         "frac",
        "trunc",         "sgn",     "min",       "max",         "sum",         "avg",
        "percent_of",    "inrange", "clamp",     "bucket",      "hour_of_day", "day_of_week",
        "month_of_year", "today",   "now",       "datetime",    "date",        "concat",
        "upper",         "lower",   "substring", "replace",     "replace_all", "search",
        "length",        "order",   "match",     "match_all",   "integer",     "float",
        "string",        "boolean", "is_null",   "is_not_null", "not",         "random",
        "index"}) {
    EXPECT_NE(find_function(name), nullptr) << name;
  }
  EXPECT_EQ(names.size(), 49u);
  EXPECT_EQ(find_function("col"), nullptr);  // col('x') is a column, resolved by the checker
  EXPECT_EQ(find_function("nope"), nullptr);
}

TEST(ExpressionOperators, EveryOperatorOfTheGrammarHasItsRow) {
  for (const char* text : {"+", "-", "*", "/", "%", "^"}) {
    const Operator* op = find_operator(NodeKind::kArithmetic, text);
    ASSERT_NE(op, nullptr) << text;
    EXPECT_EQ(op->refuses_zero_literal, std::string(text) == "/");
  }
  for (const char* text : {"==", "!=", "<", "<=", ">", ">="})
    EXPECT_NE(find_operator(NodeKind::kCompare, text), nullptr) << text;
  for (const char* text : {"and", "or", "xor", "nand", "nor"})
    EXPECT_NE(find_operator(NodeKind::kLogical, text), nullptr) << text;
  // Spellings the parser rewrites, and operators of another kind, are not rows.
  EXPECT_EQ(find_operator(NodeKind::kCompare, "="), nullptr);
  EXPECT_EQ(find_operator(NodeKind::kLogical, "&&"), nullptr);
  EXPECT_EQ(find_operator(NodeKind::kCompare, "+"), nullptr);
}

TEST(ExpressionOperators, KernelsComputeOverVectors) {
  Vector a = Vector::make(DataType::kFloat, 3, false), b = Vector::make(DataType::kFloat, 1, true);
  for (size_t row = 0; row < 3; ++row) a.set(row, static_cast<double>(row) + 1);  // 1, 2, 3
  b.set(0, 2.0);
  const Vector power = find_operator(NodeKind::kArithmetic, "^")->kernel(a, b, DataType::kFloat, 3);
  EXPECT_EQ(power.number(2), 9);
  const Vector above = find_operator(NodeKind::kCompare, ">")->kernel(a, b, DataType::kBoolean, 3);
  EXPECT_EQ(above.number(0), 0);
  EXPECT_EQ(above.number(2), 1);
  const Vector nor = find_operator(NodeKind::kLogical, "nor")->kernel(a, b, DataType::kBoolean, 3);
  EXPECT_EQ(nor.number(1), 0);
}

}  // namespace
}  // namespace parallax::expressions
