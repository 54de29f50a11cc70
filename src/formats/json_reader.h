// JSON input: a list of row objects, an object of column arrays, or NDJSON (one row object
// per line), parsed with simdjson into a batch.
#pragma once

#include <string_view>

#include "common/status.h"
#include "core/row_batch.h"
#include "core/schema.h"

namespace parallax {

// With `schema`, values are coerced to its types (keys it lacks are ignored) (strings are parsed,
// numbers become dates/datetimes as epoch milliseconds, ...); without, types are inferred from the
// values. A key missing from a row leaves that cell absent (see BatchColumn::present).
Result<RowBatch> read_json(std::string_view json, const Schema* schema = nullptr);
Result<RowBatch> read_ndjson(std::string_view text, const Schema* schema = nullptr);

}  // namespace parallax
