// A view's data in the reference's text formats, shared by every front end (replay, server),
// so that each writes a view window exactly as the others do.
#pragma once

#include <string>

#include "common/status.h"
#include "core/scalar.h"
#include "query/view.h"

namespace parallax {

enum class ViewTextFormat { kColumns, kRows, kCsv, kNdjson };

// to_columns_string / to_json_string / to_csv / to_ndjson of a window. The reference's CSV
// refuses an inverted window, and its NDJSON ignores the window (every row and column).
Result<std::string> write_view(const View& view, const ViewWindow& window, ViewTextFormat format);

// One end of a get_min_max answer as JSON: dates and datetimes as text, as the reference does.
std::string min_max_value_json(const Scalar& value);

}  // namespace parallax
