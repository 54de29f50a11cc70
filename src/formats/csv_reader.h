// CSV text (RFC 4180: a header row, quoted fields with "" escapes, LF or CRLF) into a batch.
#pragma once

#include <string_view>

#include "common/status.h"
#include "common/task_pool.h"
#include "core/row_batch.h"
#include "core/schema.h"

namespace parallax {

// With `schema`, each column is read as the schema's type (columns the schema lacks are
// skipped, as the reference ignores them); without, each column's type is inferred from all its
// cells. Empty cells are null. With `pool`, a large input is tokenized in chunks and its
// columns converted on the pool's threads (the batch is the same as one thread's).
Result<RowBatch> read_csv(std::string_view text, const Schema* schema = nullptr,
                          TaskPool* pool = nullptr);

}  // namespace parallax
