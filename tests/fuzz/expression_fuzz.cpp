// libFuzzer target: any text as an expression of the reference's language, parsed and type
// checked against a small table of every type (nulls included), then evaluated over all its
// rows and over some of them, under a small budget so that loops end. An error or a column
// of the expression's type with one cell per row; never a crash, a stack overflow or a hang.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query/expressions/expression.h"

namespace {

using namespace parallax;

// f (float), i (integer), s (string), b (boolean), d (date), t (datetime); row 1 is all null.
std::unique_ptr<Table> make_table() {
  Schema schema({{"f", DataType::kFloat},
                 {"i", DataType::kInteger},
                 {"s", DataType::kString},
                 {"b", DataType::kBoolean},
                 {"d", DataType::kDate},
                 {"t", DataType::kDatetime}});
  auto table = Table::create(schema, {}).value();
  RowBatch batch;
  batch.num_rows = 4;
  for (const Field& field : schema.fields())
    batch.columns.push_back({field.name, Column(field.type), {}});
  const double floats[] = {1.5, 0, -2.25, 1e300};
  const int32_t integers[] = {7, 0, -3, 2147483647};
  const char* strings[] = {"abc", "", "Hello World", "2024-01-02"};
  const int32_t dates[] = {19724, 0, -1, 2932896};
  const int64_t times[] = {1704190272345, 0, -1, 253402300799999};
  for (size_t row = 0; row < 4; ++row) {
    if (row == 1) {
      for (auto& column : batch.columns) column.values.append_null();
      continue;
    }
    batch.columns[0].values.append<double>(floats[row]);
    batch.columns[1].values.append<int32_t>(integers[row]);
    batch.columns[2].values.append_string(strings[row]);
    batch.columns[3].values.append<uint8_t>(row % 2);
    batch.columns[4].values.append<int32_t>(dates[row]);
    batch.columns[5].values.append<int64_t>(times[row]);
  }
  if (!table->update(batch).is_ok()) __builtin_trap();
  return table;
}

void check_column(const Column& out, DataType type, size_t rows) {
  if (out.type() != type || out.size() != rows) __builtin_trap();
  for (size_t row = 0; row < out.size(); ++row) {
    if (!out.is_null(row) && type == DataType::kString) (void)out.string_at(row).size();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<Table> table = make_table();
  // Small enough that a loop bomb ends in milliseconds under the sanitizers.
  ExpressionLimits limits;
  limits.steps = 200'000;
  limits.steps_per_row = 1'000;
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)validate_expressions(table->schema(), {{"e", text}});
  auto expression = Expression::compile("e", text, table->schema());
  if (!expression.is_ok()) return 0;
  Column all(expression->type());
  (void)expression->compute(*table, nullptr, all, limits);
  check_column(all, expression->type(), table->num_rows());
  // The changed rows of an update: evaluated into the same column, in place.
  const std::vector<uint32_t> rows = {1, 3};
  (void)expression->compute(*table, &rows, all, limits);
  check_column(all, expression->type(), table->num_rows());
  return 0;
}
