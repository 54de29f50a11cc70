// Joining the rows of several messages into one batch (one update, one change set), and
// copies of a table's rows as a batch.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "core/row_batch.h"
#include "core/table.h"

namespace parallax {

// The rows of `batches` in order. Columns are the union of theirs (first seen first); a
// column a batch lacks is absent (not null) in its rows, so an upsert leaves it alone. Batches
// must agree on the type of a column they share.
Result<RowBatch> concat_batches(std::vector<RowBatch> batches);

// The table's `rows`, or all of them, as a batch of its types.
RowBatch table_rows(const Table& table, std::span<const uint32_t> rows);
RowBatch all_table_rows(const Table& table);

}  // namespace parallax
