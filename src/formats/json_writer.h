// Frames as the reference's JSON: column-oriented ({"a": [...]}), row-oriented
// ([{"a": ...}]) and NDJSON (lines joined by newlines, no final one, serde-style floats).
// Dates and datetimes are epoch milliseconds; non-finite floats are null.
#pragma once

#include <string>

#include "common/number_format.h"
#include "core/frame.h"

namespace parallax {

// How cells are written. `floats`: the reference's JavaScript API writes 1, its Python API
// 1.0. `dates_as_text`: the reference's `formatted` reads, dates "2024-01-02" and datetimes
// "2024-01-02 03:04:05.678" (UTC) in cells, row paths and keys, instead of epoch milliseconds.
struct JsonCellStyle {
  JsonCellStyle(NumberStyle floats = NumberStyle::kJavaScript, bool dates_as_text = false)
      : floats(floats), dates_as_text(dates_as_text) {}
  NumberStyle floats;
  bool dates_as_text;
};

std::string write_json_columns(const Frame& frame, JsonCellStyle style = {});
std::string write_json_rows(const Frame& frame, JsonCellStyle style = {});
std::string write_ndjson(const Frame& frame);

// Appends `text` as a JSON string literal.
void append_json_string(std::string& out, std::string_view text);
inline std::string json_quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace parallax
