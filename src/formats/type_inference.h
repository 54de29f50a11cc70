// Deciding column types from text, and converting text into a typed column, following the
// reference: CSV cells and JSON strings are read with slightly different date rules.
#pragma once

#include <optional>
#include <string_view>

#include "core/column.h"
#include "core/data_type.h"

namespace parallax {

enum class TextDialect { kCsv, kJson };

// The narrowest type whose reader accepts `text` (which is not empty).
DataType classify_text(std::string_view text, TextDialect dialect);

// As classify_text; also, when the type found is `column`'s type, appends the value its reader
// parsed (the one append_text would append) and sets `appended`, so that inferring a column
// and converting it can be one pass.
DataType classify_and_append(std::string_view text, TextDialect dialect, Column& column,
                             bool& appended);

// The type a column takes when its cells so far were `so_far` and the next one is `next`:
// integer and float make float, date and datetime make datetime, anything else mixed is string.
DataType widen(DataType so_far, DataType next);

// Appends `text` read as the column's type; false when it cannot be read as that type
// (the column is then unchanged).
bool append_text(Column& column, std::string_view text, TextDialect dialect);

}  // namespace parallax
