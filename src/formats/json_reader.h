// JSON input: a list of row objects, an object of column arrays, or NDJSON (one row object
// per line), parsed with simdjson into a batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "common/task_pool.h"
#include "core/row_batch.h"
#include "core/schema.h"
#include "formats/decode_limits.h"

namespace parallax {

// With `schema`, values are coerced to its types (keys it lacks are ignored) (strings are parsed,
// numbers become dates/datetimes as epoch milliseconds, ...); without, types are inferred from the
// values. A key missing from a row leaves that cell absent (see BatchColumn::present).
// `max_decoded_bytes` bounds what a list of rows decodes to while it is read (16 bytes a cell:
// rows x columns, which sparse rows make far larger than the text); past it, an error.
// With `pool`, a large list of rows is cut between rows (json_split.h) and its runs parsed, and
// every input's cells typed in pieces, on the pool's threads: the batch, or the error, is the
// same as one thread's.
Result<RowBatch> read_json(std::string_view json, const Schema* schema = nullptr,
                           size_t max_decoded_bytes = SIZE_MAX, TaskPool* pool = nullptr);

// As read_json; with `pool`, a large input is cut between lines.
Result<RowBatch> read_ndjson(std::string_view text, const Schema* schema = nullptr,
                             TaskPool* pool = nullptr);

}  // namespace parallax
