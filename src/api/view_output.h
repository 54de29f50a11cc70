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

// to_arrow of a window: Arrow IPC stream bytes; `compression` is "" or "lz4" (LZ4_FRAME
// bodies). The reference refuses an inverted window here too.
Result<std::string> write_view_arrow(const View& view, const ViewWindow& window,
                                     std::string_view compression);

// One end of a get_min_max answer as JSON: dates and datetimes as text, as the reference does.
std::string min_max_value_json(const Scalar& value);

}  // namespace parallax
