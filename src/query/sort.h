// Sorting a view's rows by several keys. Each key column is first turned into one number per
// row that orders like the cells (strings by their rank in the dictionary), so the comparison
// loop touches flat arrays only.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "core/table.h"
#include "query/column_source.h"
#include "query/view_config.h"

namespace parallax {

struct CompiledSortKey {
  size_t column;
  SortDirection direction;
};

Result<std::vector<CompiledSortKey>> compile_sort(const Schema& schema,
                                                  const std::vector<SortKey>& keys);

// Sorts `rows` (table row positions, given in the order ties keep) by `keys`, whose column
// ids are the source's.
void sort_rows(const ColumnSource& source, const std::vector<CompiledSortKey>& keys,
               std::vector<uint32_t>& rows);

// The first `count` rows of what sort_rows would give, without sorting the rest: one pass
// with a bounded heap, O(n log count), for views read a page at a time.
std::vector<uint32_t> first_sorted_rows(const ColumnSource& source,
                                        const std::vector<CompiledSortKey>& keys,
                                        const std::vector<uint32_t>& rows, size_t count);

}  // namespace parallax
