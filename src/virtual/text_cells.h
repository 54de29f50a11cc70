// Reading a database's text answer into typed columns: each cell as written by the forms of
// SqlDialect::select (datetimes as epoch milliseconds, booleans as 0/1 or t/f, dates ISO).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/column.h"

namespace parallax {

// Appends `text` to `column` as its type; an error names the cell when it cannot be read.
Status append_text_cell(Column& column, std::string_view text);

// A TabSeparated answer (ClickHouse's: a row per line, cells split by tabs, escaped, "\N" for
// null) read as one column per type. A row of other than types.size() cells, or a cell its
// type cannot hold, is an error (never a crash, whatever the bytes: tests/fuzz/virtual_fuzz).
// A row count answered as a float cell (`count(*)` read as kFloat): an error unless the
// column holds one whole number from 0 to 2^53 (a broken database's "-1", "nan" or "1e300"
// would be undefined as a size_t).
Result<size_t> row_count(const Column& answer);

Result<std::vector<Column>> read_tab_separated(std::string_view body,
                                               std::span<const DataType> types);

}  // namespace parallax
