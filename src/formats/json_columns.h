// JSON input read as columns: the cells simdjson parsed, gathered per column and per part (a
// document: the whole input, or a run of its rows that a task parsed), then typed and
// converted into a batch, a piece of a column per task of the engine's pool.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <simdjson.h>

#include "common/status.h"
#include "common/task_pool.h"
#include "core/row_batch.h"
#include "core/schema.h"

namespace parallax {

// The cells of one input column, before they are typed.
struct PendingJsonColumn {
  std::string name;
  std::vector<simdjson::dom::element> cells;  // not to be read where `present` is clear
  ValidityBitmap present;
  bool all_present = true;
};

// The rows of one simdjson document (the whole input, or a run of its rows), collected.
struct JsonPart {
  // Owns what the cells point into; on the heap, so that moving a part keeps the cells valid.
  std::unique_ptr<simdjson::dom::parser> parser = std::make_unique<simdjson::dom::parser>();
  std::vector<PendingJsonColumn> columns;
  size_t num_rows = 0;
};

// An input column across the parts: its cells in part p are parts[p] (null: absent there).
struct JsonInputColumn {
  std::string name;
  std::vector<const PendingJsonColumn*> parts;
};

struct JsonInput {
  std::vector<JsonPart> parts;
  std::vector<JsonInputColumn> columns;  // in the order their names first appear
  size_t num_rows = 0;
};

// How the input was laid out, which changes inference as in the reference: a JSON list of
// rows moves columns that are null in the first row to the end, in the order their first
// values appear; NDJSON takes every type from its first line and moves the columns null
// there to the end in their own order.
enum class JsonLayout { kRows, kColumns, kNdjson };

// The parts' columns as the input's, in the order their names first appear. With
// `fixed_keys`, every name must be one the first part has (as every row's must be one the
// first row has); false when one is not.
bool merge_json_parts(JsonInput& input, bool fixed_keys);

// The one part as an input.
JsonInput one_json_part(JsonPart part);

// Types (from the schema, or inferred) and converts the input's columns into a batch, a
// piece of a column per task of `pool`: the same batch, and the same first error in column
// then row order, as one pass.
Result<RowBatch> convert_json_input(const JsonInput& input, const Schema* schema, JsonLayout layout,
                                    TaskPool* pool);

}  // namespace parallax
