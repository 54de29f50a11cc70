// Reading a database's text answer into typed columns: each cell as written by the forms of
// SqlDialect::select (datetimes as epoch milliseconds, booleans as 0/1 or t/f, dates ISO).
#pragma once

#include <string_view>

#include "common/status.h"
#include "core/column.h"

namespace parallax {

// Appends `text` to `column` as its type; an error names the cell when it cannot be read.
Status append_text_cell(Column& column, std::string_view text);

}  // namespace parallax
