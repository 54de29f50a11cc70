// Table data as a client sends it: text in one of the input formats, or Arrow IPC bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/task_pool.h"
#include "core/row_batch.h"
#include "core/schema.h"

namespace parallax {

enum class DataFormat { kCsv, kJson, kColumns, kNdjson, kArrow };

std::optional<DataFormat> data_format_from_name(std::string_view name);

struct TableData {
  std::string text;
  DataFormat format = DataFormat::kCsv;
};

// Parses `data` into a batch typed as `schema` (an update) or with inferred types (a new
// table). Columns the schema lacks are ignored, as the reference does. Large inputs spread
// over `pool`'s threads when given.
Result<RowBatch> read_table_data(const TableData& data, const Schema* schema,
                                 TaskPool* pool = nullptr);

}  // namespace parallax
