// A read-only window onto columns: which columns, and which of their rows in which order.
// Views produce frames; the output writers (JSON, CSV, later Arrow) consume them, so neither
// side knows about the other.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/column.h"

namespace parallax {

struct FrameColumn {
  std::string name;
  const Column* column;
  // Each value is written as a one-element list, as the reference writes "__INDEX__".
  bool wrap_in_list = false;
};

struct Frame {
  std::vector<FrameColumn> columns;
  std::vector<uint32_t> rows;                          // positions in the columns, in output order
  std::vector<std::unique_ptr<Column>> owned_columns;  // columns made for this frame only

  const Column& own(Column column) {
    owned_columns.push_back(std::make_unique<Column>(std::move(column)));
    return *owned_columns.back();
  }
};

}  // namespace parallax
