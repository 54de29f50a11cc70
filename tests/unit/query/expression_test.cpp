// The expression language: parse errors with their positions, types, values (nulls
// included) and the incremental upkeep of expression columns.
#include "query/expressions/expression.h"

#include <gtest/gtest.h>

#include "columns.h"

#include "query/column_source.h"

namespace parallax {
namespace {

using expressions::ExpressionError;

// Table: x (float, one null), n (integer), s (string, one null), dt (datetime).
std::unique_ptr<Table> sample() {
  return test::table_of(
      {{"x", test::float_column({1.5, -2, std::nullopt})},
       {"n", test::integer_column({1, 2, 3})},
       {"s", test::string_column({"abc", std::nullopt, "Hello World"})},
       // 2024-01-02 10:11:12.345 UTC, 2024-03-15 23:59:59 UTC, 1999-12-31 UTC
       {"dt", test::datetime_column({1704190272345, 1710547199000, 946598400000})}});
}

ExpressionError error_of(const std::string& text) {
  auto table = sample();
  ExpressionError error;
  EXPECT_FALSE(Expression::compile("e", text, table->schema(), &error).is_ok()) << text;
  return error;
}

// The expression's values as JSON-ish text, one per row ("null" for nulls).
std::vector<std::string> values_of(const std::string& text, const Table& table) {
  auto expression = Expression::compile("e", text, table.schema());
  EXPECT_TRUE(expression.is_ok()) << text << ": " << expression.status().message();
  if (!expression.is_ok()) return {};
  Column out(expression->type());
  EXPECT_TRUE(expression->compute(table, nullptr, out).is_ok()) << text;
  std::vector<std::string> values;
  for (size_t row = 0; row < out.size(); ++row) {
    if (out.is_null(row)) {
      values.emplace_back("null");
      continue;
    }
    visit_type(out.type(), [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        values.emplace_back(out.string_at(row));
      } else if constexpr (std::is_same_v<Storage, double>) {
        values.push_back(fmt::format("{}", out.value<double>(row)));
      } else {
        values.push_back(std::to_string(out.value<Storage>(row)));
      }
    });
  }
  return values;
}

std::vector<std::string> values_of(const std::string& text) {
  return values_of(text, *sample());
}

DataType type_of(const std::string& text) {
  auto table = sample();
  auto expression = Expression::compile("e", text, table->schema());
  EXPECT_TRUE(expression.is_ok()) << text;
  return expression.is_ok() ? expression->type() : DataType::kString;
}

using Values = std::vector<std::string>;

TEST(ExpressionParser, ReportsTheLineAndColumnOfSyntaxErrors) {
  ExpressionError error = error_of("1 +");
  EXPECT_EQ(error.message, "Premature end of expression");
  EXPECT_EQ(error.position.line, 0u);
  EXPECT_EQ(error.position.column, 3u);

  error = error_of("\"x\" +\n  bad(1)");
  EXPECT_EQ(error.message, "Undefined symbol: 'bad'");
  EXPECT_EQ(error.position.line, 1u);
  EXPECT_EQ(error.position.column, 2u);

  error = error_of("(\"x\" + 1");
  EXPECT_EQ(error.message, "Premature end of expression, expected ')'");
  error = error_of("\"x\" + 1)");
  EXPECT_EQ(error.message, "Mismatched brackets: ')'");
  EXPECT_EQ(error.position.column, 7u);
  error = error_of("'open");
  EXPECT_EQ(error.message, "Unterminated string literal");
  error = error_of("\"x\" @ 2");
  EXPECT_EQ(error.message, "Invalid character '@'");
  EXPECT_EQ(error.position.column, 4u);
}

TEST(ExpressionParser, GivesTheReferencesMessagesForNamesAndTypes) {
  EXPECT_EQ(error_of("case(1)").message, "Invalid use of reserved symbol 'case'");
  EXPECT_EQ(error_of("ln(2)").message, "Undefined symbol: 'ln'");
  EXPECT_EQ(error_of("y + 1").message, "Undefined symbol: 'y'");
  EXPECT_EQ(error_of("\"nope\" + 1").message,
            "Value Error - Input column \"nope\" does not exist.");
  EXPECT_TRUE(error_of("\"dt\" - \"dt\"")
                  .message.starts_with("Type Error - inputs do not resolve to a valid expression"));
  EXPECT_TRUE(error_of("concat(\"s\", 1)").message.starts_with("Type Error"));
  EXPECT_TRUE(error_of("bucket(\"dt\", '3D')").message.starts_with("Type Error"));
  EXPECT_TRUE(error_of("match(\"s\", '[')").message.find("invalid regular expression") !=
              std::string::npos);
  EXPECT_TRUE(error_of("search(\"s\", 'b+')").message.find("one capturing group") !=
              std::string::npos);
  EXPECT_TRUE(error_of("if (\"x\" > 0) { 1 }").message.find("without an else") !=
              std::string::npos);
  EXPECT_TRUE(error_of("\"x\" / 0").message.find("division by zero") != std::string::npos);
  auto table = sample();
  ExpressionError error;
  EXPECT_FALSE(Expression::compile("x", "1", table->schema(), &error).is_ok());
  EXPECT_EQ(error.message, "Value Error - expression \"x\" cannot overwrite an existing column.");
}

TEST(ExpressionTypes, FollowTheReference) {
  EXPECT_EQ(type_of("\"n\" + \"x\" * 2 - 1 / 3 % 2"), DataType::kFloat);
  EXPECT_EQ(type_of("\"n\""), DataType::kInteger);
  EXPECT_EQ(type_of("-\"n\""), DataType::kInteger);
  EXPECT_EQ(type_of("trunc(\"x\")"), DataType::kInteger);
  EXPECT_EQ(type_of("inrange(0, \"x\", 2)"), DataType::kBoolean);
  EXPECT_EQ(type_of("bucket(\"dt\", 'M')"), DataType::kDate);
  EXPECT_EQ(type_of("bucket(\"dt\", '5m')"), DataType::kDatetime);
  EXPECT_EQ(type_of("day_of_week(\"dt\")"), DataType::kString);
  EXPECT_EQ(type_of("length(\"s\")"), DataType::kFloat);
  EXPECT_EQ(type_of("if (\"x\" > 0) { 'pos' } else { 'neg' }"), DataType::kString);
  EXPECT_EQ(type_of("var y := \"x\" * 2; y + 1"), DataType::kFloat);
  EXPECT_EQ(type_of("today()"), DataType::kDate);
  EXPECT_EQ(type_of("now()"), DataType::kDatetime);
  EXPECT_EQ(type_of("random()"), DataType::kFloat);
}

TEST(ExpressionValues, ArithmeticPropagatesNulls) {
  EXPECT_EQ(values_of("\"x\" * 2 + 1"), (Values{"4", "-3", "null"}));
  EXPECT_EQ(values_of("\"n\" / (\"n\" - \"n\")"), (Values{"null", "null", "null"}));  // inf is null
  EXPECT_EQ(values_of("\"x\" ^ 2"), (Values{"2.25", "4", "null"}));
  EXPECT_EQ(values_of("sqrt(\"x\")"), (Values{"1.224744871391589", "null", "null"}));
  EXPECT_EQ(values_of("round(-2.5) + 0 * \"n\""), (Values{"-3", "-3", "-3"}));
  EXPECT_EQ(values_of("1"), (Values{"1", "1", "1"}));
}

TEST(ExpressionValues, NotOfAColumnIsALogicalNot) {
  // A boolean or number column as much as a comparison (x: 1.5, -2, null).
  EXPECT_EQ(values_of("not(\"x\")"), (Values{"0", "0", "1"}));
  EXPECT_EQ(values_of("not(\"x\" > 0)"), (Values{"0", "1", "1"}));
  EXPECT_EQ(values_of("not(\"x\" > 0) == not(not(not(\"x\" > 0)))"), (Values{"1", "1", "1"}));
}

TEST(ExpressionValues, NullsCompareBelowEveryValue) {
  // A null read from a column or made by a computation is below every value and equal to a
  // null, as the view's sort orders them (and the reference on a table made from its rows).
  EXPECT_EQ(values_of("\"x\" > 0"), (Values{"1", "0", "0"}));
  EXPECT_EQ(values_of("\"x\" < -1000000"), (Values{"0", "0", "1"}));
  EXPECT_EQ(values_of("\"x\" == \"x\" * 2"), (Values{"0", "0", "1"}));
  EXPECT_EQ(values_of("\"x\" * 2 > 0"), (Values{"1", "0", "0"}));
  EXPECT_EQ(values_of("\"x\" == \"x\""), (Values{"1", "1", "1"}));
  EXPECT_EQ(values_of("\"s\" == 'abc'"), (Values{"1", "0", "0"}));
  EXPECT_EQ(values_of("is_null(\"x\") ? 1 : 2"), (Values{"2", "2", "1"}));
}

TEST(ExpressionValues, StringsAndRegularExpressions) {
  EXPECT_EQ(values_of("concat(\"s\", '-', 'x')"), (Values{"abc-x", "null", "Hello World-x"}));
  EXPECT_EQ(values_of("upper(\"s\")"), (Values{"ABC", "null", "HELLO WORLD"}));
  EXPECT_EQ(values_of("substring(\"s\", 1, 2)"), (Values{"bc", "null", "el"}));
  EXPECT_EQ(values_of("substring(\"s\", 1, 3)"), (Values{"null", "null", "ell"}));
  EXPECT_EQ(values_of("substring(\"s\", 1)"), (Values{"bc", "null", "ello World"}));
  EXPECT_EQ(values_of("substring(\"s\", 3)"), (Values{"null", "null", "lo World"}));
  EXPECT_EQ(values_of("match(\"s\", 'l+')"), (Values{"0", "null", "1"}));
  EXPECT_EQ(values_of("match_all(\"s\", 'a.c')"), (Values{"1", "null", "0"}));
  EXPECT_EQ(values_of("search(\"s\", '(l+)')"), (Values{"null", "null", "ll"}));
  EXPECT_EQ(values_of("replace(\"s\", 'l', '$0')"), (Values{"abc", "null", "He$0lo World"}));
  EXPECT_EQ(values_of("replace_all(\"s\", 'l', 'L')"), (Values{"abc", "null", "HeLLo WorLd"}));
  EXPECT_EQ(values_of("order(\"s\", 'Hello World', 'abc')"), (Values{"1", "null", "0"}));
  EXPECT_EQ(values_of("length(\"s\")"), (Values{"3", "null", "11"}));
  EXPECT_EQ(values_of("string(\"x\" * 1000000)"), (Values{"1.5e+06", "-2e+06", "null"}));
}

TEST(ExpressionValues, DatesAndBuckets) {
  EXPECT_EQ(values_of("bucket(\"dt\", 'W')"), (Values{"19723", "19793", "10952"}));
  EXPECT_EQ(values_of("bucket(\"dt\", '5m')"),
            (Values{"1704190200000", "1710546900000", "946598400000"}));
  EXPECT_EQ(values_of("bucket(\"dt\", '10Y')"), (Values{"18262", "18262", "7305"}));
  EXPECT_EQ(values_of("day_of_week(\"dt\")"), (Values{"3 Tuesday", "6 Friday", "6 Friday"}));
  EXPECT_EQ(values_of("month_of_year(\"dt\")"), (Values{"01 January", "03 March", "12 December"}));
  EXPECT_EQ(values_of("hour_of_day(\"dt\")"), (Values{"10", "23", "0"}));
  EXPECT_EQ(values_of("string(bucket(\"dt\", 'M'))"),
            (Values{"2024-01-01", "2024-03-01", "1999-12-01"}));
  EXPECT_EQ(values_of("date(2024, 13, \"n\")"), (Values{"null", "null", "null"}));
}

TEST(ExpressionValues, VariablesBranchesAndLoops) {
  EXPECT_EQ(values_of("var y := \"n\" * 2; y += 1; y"), (Values{"3", "5", "7"}));
  EXPECT_EQ(values_of("if (\"n\" * 1 > 1) { 'big' } else { 'small' }"),
            (Values{"small", "big", "big"}));
  // A loop runs each row until its own condition fails.
  EXPECT_EQ(values_of("var total := 0; for (var k := 0; k < \"n\" * 1; k += 1) { total += k; }; "
                      "total"),
            (Values{"0", "1", "3"}));
  EXPECT_EQ(values_of("var y := 0; if (\"n\" * 1 == 2) { y := 10 } else { y := 1 }; y"),
            (Values{"1", "10", "1"}));
}

TEST(ColumnSource, RecomputesOnlyTheRowsAChangeTouches) {
  auto table = sample();
  auto source = ColumnSource::create(*table, {{"twice", "\"x\" * 2"}, {"r", "random()"}}).value();
  ASSERT_EQ(source->schema().size(), 6u);
  const size_t twice = *source->find("twice");
  const size_t random = *source->find("r");
  EXPECT_TRUE(source->is_expression(twice));
  EXPECT_EQ(source->column(twice).value<double>(1), -4);
  const double random_of_row_0 = source->column(random).value<double>(0);

  RowBatch batch;
  batch.num_rows = 1;
  BatchColumn x{"x", Column(DataType::kFloat), std::nullopt};
  x.values.append<double>(10);
  batch.columns.push_back(std::move(x));
  ChangeSet changes = table->update(batch).value();
  source->apply(changes);
  EXPECT_EQ(source->column(twice).size(), 4u);
  EXPECT_EQ(source->column(twice).value<double>(3), 20);
  // random() is not re-drawn for rows the change did not touch.
  EXPECT_EQ(source->column(random).value<double>(0), random_of_row_0);

  // A change the source was not told about is caught by the table's version.
  ASSERT_TRUE(table->update(batch).is_ok());
  EXPECT_EQ(source->column(twice).size(), 5u);
  EXPECT_EQ(source->column(twice).value<double>(4), 20);
}

TEST(ExpressionValidation, AnswersTypesErrorsAndAliases) {
  auto table = sample();
  ExpressionValidation validation =
      validate_expressions(table->schema(), {{"a", "\"x\" + 1"}, {"b", "1 +"}});
  ASSERT_EQ(validation.schema.size(), 1u);
  EXPECT_EQ(validation.schema[0].name, "a");
  EXPECT_EQ(validation.schema[0].type, DataType::kFloat);
  ASSERT_EQ(validation.errors.size(), 1u);
  EXPECT_EQ(validation.errors[0].name, "b");
  EXPECT_EQ(validation.errors[0].column, 3u);
  EXPECT_EQ(validation.aliases.size(), 2u);
}

}  // namespace
}  // namespace parallax
