// Rows parsed from one input (JSON, CSV, ...), already typed, before they reach a table.
// Parsing finishes (or fails) before a table is touched, which makes every update atomic.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/column.h"
#include "core/schema.h"

namespace parallax {

struct BatchColumn {
  std::string name;
  Column values;
  // Which cells the input supplied. A cell that is absent (a key missing from a JSON row)
  // leaves the existing value alone on an upsert; an explicit null overwrites it.
  // nullopt means every cell is present.
  std::optional<ValidityBitmap> present;

  bool is_present(size_t row) const { return !present || present->is_valid(row); }
};

struct RowBatch {
  std::vector<BatchColumn> columns;
  size_t num_rows = 0;

  Schema schema() const {
    Schema schema;
    for (const auto& column : columns) schema.add({column.name, column.values.type()});
    return schema;
  }
  const BatchColumn* find(std::string_view name) const {
    for (const auto& column : columns) {
      if (column.name == name) return &column;
    }
    return nullptr;
  }
};

}  // namespace parallax
