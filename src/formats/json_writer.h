// Frames as the reference's JSON: column-oriented ({"a": [...]}), row-oriented
// ([{"a": ...}]) and NDJSON (lines joined by newlines, no final one, serde-style floats).
// Dates and datetimes are epoch milliseconds; non-finite floats are null.
#pragma once

#include <string>

#include "core/frame.h"

namespace parallax {

std::string write_json_columns(const Frame& frame);
std::string write_json_rows(const Frame& frame);
std::string write_ndjson(const Frame& frame);

// Appends `text` as a JSON string literal.
void append_json_string(std::string& out, std::string_view text);
inline std::string json_quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace parallax
