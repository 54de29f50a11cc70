// What one table operation changed, for the views that must follow it.
#pragma once

#include <cstdint>
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
  bool cleared = false;  // every row was dropped (clear, replace)

  bool empty() const {
    return added_rows.empty() && updated_rows.empty() && removed_rows == 0 && !cleared;
  }
};

}  // namespace parallax
