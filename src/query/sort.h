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

}  // namespace parallax
