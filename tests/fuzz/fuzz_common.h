// What the fuzz targets share: reading every cell of a batch (so that a bad length, code or
// bitmap shows up under ASan) and a schema picked from the input (so that conversions to
// every type are reached, not only inference).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/row_batch.h"
#include "core/schema.h"

namespace parallax::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline size_t touch(const RowBatch& batch) {
  size_t sum = 0;
  for (const auto& column : batch.columns) {
    const Column& values = column.values;
    if (values.size() != batch.num_rows) __builtin_trap();
    if (column.present && column.present->size() < batch.num_rows) __builtin_trap();
    for (size_t row = 0; row < values.size(); ++row) {
      sum += column.is_present(row);
      if (values.is_null(row)) continue;
      visit_type(values.type(), [&](auto tag) {
        using Storage = typename decltype(tag)::Storage;
        if constexpr (decltype(tag)::kType == DataType::kString) {
          sum += values.string_at(row).size();
        } else {
          sum += static_cast<size_t>(values.template value<Storage>(row) != Storage{});
        }
      });
    }
  }
  return sum;
}

// The batch's own column names, each with a type picked by `pick` (the six types in turn).
inline Schema schema_picked(const RowBatch& batch, size_t pick) {
  Schema schema;
  for (const auto& column : batch.columns) {
    schema.add({column.name, static_cast<DataType>(pick++ % 6)});
  }
  return schema;
}

}  // namespace parallax::fuzz
