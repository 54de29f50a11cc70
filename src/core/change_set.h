// What one table operation changed, for the views that must follow it.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/column.h"

namespace parallax {

struct ChangeSet {
  // Each row once, in the order the change first touched it.
  std::vector<uint32_t> added_rows;    // rows that did not exist before
  std::vector<uint32_t> updated_rows;  // rows that existed and had cells overwritten
  // The updated rows' cells before the change: one column per table column, cell i holding
  // row updated_rows[i] (views retract what those rows contributed).
  std::vector<Column> previous;
  size_t removed_rows = 0;
  // The removed rows, numbered as before the change (the table fills a removed row's slot
  // with its last row, so later rows move).
  std::vector<uint32_t> removed;
  // The removed rows' cells: one column per table column, cell i holding row removed[i].
  std::vector<Column> removed_cells;
  // The rows that now fill removed rows' slots: (row before, row after). Every other row
  // that remains keeps its number.
  std::vector<std::pair<uint32_t, uint32_t>> moved;
  bool cleared = false;  // every row was dropped (clear, replace)

  bool empty() const {
    return added_rows.empty() && updated_rows.empty() && removed_rows == 0 && !cleared;
  }
};

}  // namespace parallax
