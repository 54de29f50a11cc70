// The split_by combinations of a view of a virtual table: the distinct split values among
// the rows its filter keeps (fetched first, bounded), in the engine's order (key order,
// level by level, null first) and named as its columns are ("East|apple|").
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/column.h"
#include "virtual/virtual_table.h"

namespace parallax {

// Past this many combinations a view is refused with an error.
inline constexpr size_t kMaxSplitColumns = 1000;

struct SplitCombo {
  std::string path;                   // its columns' path prefix, "East|apple|"
  std::string key;                    // append_split_key of each level's cell
  std::vector<std::string> prefixes;  // [level]: the key bytes of the levels down to it
};

// A key cell as bytes that name it (in a group's path or a combination's key).
void append_split_key(std::string& path, const Column& column, size_t row);

// The split columns (table positions) as a SELECT list, each read as its Parallax type.
std::string split_select(const VirtualTable& table, std::span<const size_t> split_by);

Result<std::vector<SplitCombo>> query_split_combos(const VirtualTable& table,
                                                   std::span<const size_t> split_by,
                                                   const std::string& where);

}  // namespace parallax
