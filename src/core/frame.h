// A read-only window onto columns: which columns, and which of their rows in which order.
// Views produce frames; the output writers (JSON, CSV, later Arrow) consume them, so neither
// side knows about the other.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/column.h"

namespace parallax {

struct FrameColumn {
  std::string name;
  const Column* column;
  // Each value is written as a one-element list, as the reference writes "__INDEX__".
  bool wrap_in_list = false;
};

// Grouped views: each row's group path ("__ROW_PATH__"), one column per group_by level,
// indexed by the same positions as the data columns.
struct FrameRowPath {
  std::vector<FrameColumn> levels;  // named like the CSV headers: "region (Group by 1)"
  std::vector<uint8_t> depths;      // one per entry of Frame::rows: how many levels it has
  bool with_id = false;             // also write the path as "__ID__", right after it
  // When "__ID__" lists other rows than the frame's (leaves_only windows: the reference lists
  // every row's path there), those rows and their depths.
  std::optional<std::vector<std::pair<uint32_t, uint8_t>>> id_rows;
};

struct Frame {
  std::optional<FrameRowPath> row_path;
  std::vector<FrameColumn> columns;
  std::vector<uint32_t> rows;                          // positions in the columns, in output order
  std::vector<std::unique_ptr<Column>> owned_columns;  // columns made for this frame only

  const Column& own(Column column) {
    owned_columns.push_back(std::make_unique<Column>(std::move(column)));
    return *owned_columns.back();
  }
};

}  // namespace parallax
