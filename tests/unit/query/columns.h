// Column and table builders for the query tests: a column from its cells (std::nullopt for a
// null), a table of named columns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/table.h"

namespace parallax::test {

template <typename T>
using Cells = std::vector<std::optional<T>>;

template <DataType Type, typename T>
Column column_of(const Cells<T>& cells) {
  Column column(Type);
  for (const auto& cell : cells) {
    if (!cell) {
      column.append_null();
    } else if constexpr (Type == DataType::kString) {
      column.append_string(*cell);
    } else {
      column.append<typename TypeTraits<Type>::Storage>(*cell);
    }
  }
  return column;
}

inline Column float_column(const Cells<double>& cells) {
  return column_of<DataType::kFloat>(cells);
}
inline Column integer_column(const Cells<int32_t>& cells) {
  return column_of<DataType::kInteger>(cells);
}
inline Column datetime_column(const Cells<int64_t>& cells) {  // epoch milliseconds
  return column_of<DataType::kDatetime>(cells);
}
inline Column string_column(const Cells<std::string>& cells) {
  return column_of<DataType::kString>(cells);
}

// A table without an index holding these columns (all of one length), in this order.
inline std::unique_ptr<Table> table_of(std::vector<std::pair<std::string, Column>> columns) {
  Schema schema;
  RowBatch batch;
  for (auto& [name, column] : columns) {
    schema.add({name, column.type()});
    batch.num_rows = column.size();
    batch.columns.push_back({name, std::move(column), std::nullopt});
  }
  auto table = Table::create(schema, {}).value();
  EXPECT_TRUE(table->update(batch).is_ok());
  return table;
}

}  // namespace parallax::test
