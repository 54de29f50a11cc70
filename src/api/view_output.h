// A view's data in the reference's formats, shared by every front end (replay, server,
// `parallax view`, Python), so that each writes a view window exactly as the others do.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/number_format.h"
#include "common/status.h"
#include "core/scalar.h"
#include "query/view.h"

namespace parallax {

enum class ViewTextFormat { kColumns, kRows, kCsv, kNdjson };

// to_columns_string / to_json_string / to_csv / to_ndjson of a window. The reference's CSV
// refuses an inverted window, and its NDJSON ignores the window (every row and column).
// `window.formatted` writes dates and datetimes as text in the JSON formats (CSV always
// does, NDJSON never does, as the reference).
// FLOATS: how the JSON formats write float cells (the reference's JavaScript API writes 1,
// its Python API 1.0).
Result<std::string> write_view(const View& view, const ViewWindow& window, ViewTextFormat format,
                               NumberStyle floats = NumberStyle::kJavaScript);

// The text format a command line names: "columns", "json", "csv" or "ndjson".
std::optional<ViewTextFormat> view_text_format(std::string_view name);
// The whole view in the text format NAME, ending in a newline (`parallax view`, transforms).
Result<std::string> write_view_named(const View& view, std::string_view name);

// to_arrow of a window: Arrow IPC stream bytes (or, with FILE_FORMAT, the Arrow file
// format); `compression` is "" or "lz4" (LZ4_FRAME bodies). The reference refuses an
// inverted window here too.
Result<std::string> write_view_arrow(const View& view, const ViewWindow& window,
                                     std::string_view compression, bool file_format = false);

// One end of a get_min_max answer as JSON: dates and datetimes as text, as the reference does.
std::string min_max_value_json(const Scalar& value);

}  // namespace parallax
