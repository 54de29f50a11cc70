// One JSON value (a simdjson element) read into a typed column: the type it suggests when
// types are inferred, and the reference's coercions when the column's type is given.
#pragma once

#include <optional>
#include <string>

#include <simdjson.h>

#include "common/status.h"
#include "core/column.h"

namespace parallax {

// The type one JSON value suggests, or nullopt for null.
std::optional<DataType> classify_value(simdjson::dom::element value);

// Appends `value` read as the column's type (null as null); an error naming `row` and the
// column `name` when it cannot be.
Status append_value(Column& column, simdjson::dom::element value, const std::string& name,
                    size_t row);

}  // namespace parallax
