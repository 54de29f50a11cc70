// What one table operation changed, for the views that must follow it.
#pragma once

#include <cstdint>
#include <vector>

namespace parallax {

struct ChangeSet {
  std::vector<uint32_t> added_rows;    // rows that did not exist before
  std::vector<uint32_t> updated_rows;  // rows that existed and had cells overwritten
  size_t removed_rows = 0;
  bool cleared = false;  // every row was dropped (clear, replace)

  bool empty() const {
    return added_rows.empty() && updated_rows.empty() && removed_rows == 0 && !cleared;
  }
};

}  // namespace parallax
