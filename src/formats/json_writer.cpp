#include "formats/json_writer.h"

#include <cmath>
#include <cstring>

#include "common/number_format.h"
#include "core/temporal.h"

namespace parallax {

namespace {

void append_cell(std::string& out, const Column& column, uint32_t row, JsonCellStyle style) {
  if (column.is_null(row)) {
    out += "null";
    return;
  }
  switch (column.type()) {
    case DataType::kBoolean:
      out += column.value<uint8_t>(row) ? "true" : "false";
      return;
    case DataType::kInteger:
      out += std::to_string(column.value<int32_t>(row));
      return;
    case DataType::kFloat: {
      const double value = column.value<double>(row);
      if (std::isfinite(value)) {
        append_number(out, value, style.floats);
      } else {
        out += "null";
      }
      return;
    }
    case DataType::kString:
      append_json_string(out, column.string_at(row));
      return;
    case DataType::kDate:
      if (style.dates_as_text) {
        append_json_string(out, format_date_iso(column.value<int32_t>(row)));
      } else {
        out += std::to_string(date_to_millis(column.value<int32_t>(row)));
      }
      return;
    case DataType::kDatetime:
      if (style.dates_as_text) {
        append_json_string(out, format_datetime_iso(column.value<int64_t>(row)));
      } else {
        out += std::to_string(column.value<int64_t>(row));
      }
      return;
  }
}

void append_frame_cell(std::string& out, const FrameColumn& column, uint32_t row,
                       JsonCellStyle style = {}) {
  if (column.wrap_in_list) out += '[';
  append_cell(out, *column.column, row, style);
  if (column.wrap_in_list) out += ']';
}

// The group path of the frame's `index`-th row, as a JSON list (keys in the cells' style:
// NDJSON writes a float key -2.0 as the reference does, not -2).
void append_row_path(std::string& out, const FrameRowPath& path, size_t index, uint32_t row,
                     JsonCellStyle style = {}) {
  out += '[';
  for (size_t level = 0; level < path.depths[index]; ++level) {
    if (level > 0) out += ',';
    append_cell(out, *path.levels[level].column, row, style);
  }
  out += ']';
}

// The names of the leading path columns: "__ROW_PATH__", and "__ID__" when asked for.
std::vector<std::string_view> row_path_names(const Frame& frame) {
  if (!frame.row_path) return {};
  if (frame.row_path->with_id) return {"__ROW_PATH__", "__ID__"};
  return {"__ROW_PATH__"};
}

void append_row_object(std::string& out, const Frame& frame, size_t index,
                       JsonCellStyle style = {}) {
  const uint32_t row = frame.rows[index];
  out += '{';
  bool first = true;
  for (const std::string_view name : row_path_names(frame)) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    append_row_path(out, *frame.row_path, index, row, style);
  }
  for (size_t i = 0; i < frame.columns.size(); ++i) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, frame.columns[i].name);
    out += ':';
    append_frame_cell(out, frame.columns[i], row, style);
  }
  out += '}';
}

}  // namespace

namespace {

// Whether any of the 8 bytes of `word` is below 0x20, a '"' or a '\\' (bit tricks: a byte
// below n borrows into its top bit when n is taken from it and its top bit was clear).
bool any_to_escape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kTops = 0x8080808080808080ull;
  auto any_below = [](uint64_t w, uint64_t n) { return (w - kOnes * n) & ~w & kTops; };
  return any_below(word, 0x20) | any_below(word ^ (kOnes * '"'), 1) |
         any_below(word ^ (kOnes * '\\'), 1);
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  // Runs of characters that need no escape go in whole (a join cell is kilobytes of them),
  // passed over 8 bytes at a time.
  size_t plain = 0;  // where the current run started
  for (size_t i = 0; i < text.size(); ++i) {
    for (uint64_t word; i + 8 <= text.size(); i += 8) {
      std::memcpy(&word, text.data() + i, sizeof word);
      if (any_to_escape(word)) break;
    }
    if (i == text.size()) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[(c >> 4) & 0xF];
        out += kHex[c & 0xF];
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

std::string write_json_columns(const Frame& frame, JsonCellStyle style) {
  std::string out = "{";
  bool first_column = true;
  for (const std::string_view name : row_path_names(frame)) {
    if (!first_column) out += ',';
    first_column = false;
    append_json_string(out, name);
    out += ":[";
    const FrameRowPath& path = *frame.row_path;
    if (name == "__ID__" && path.id_rows) {
      for (size_t index = 0; index < path.id_rows->size(); ++index) {
        if (index > 0) out += ',';
        const auto [row, depth] = (*path.id_rows)[index];
        FrameRowPath one{path.levels, {depth}, false, std::nullopt};
        append_row_path(out, one, 0, row, style);
      }
    } else {
      for (size_t index = 0; index < frame.rows.size(); ++index) {
        if (index > 0) out += ',';
        append_row_path(out, path, index, frame.rows[index], style);
      }
    }
    out += ']';
  }
  for (size_t i = 0; i < frame.columns.size(); ++i) {
    if (!first_column) out += ',';
    first_column = false;
    append_json_string(out, frame.columns[i].name);
    out += ":[";
    bool first = true;
    for (const uint32_t row : frame.rows) {
      if (!first) out += ',';
      first = false;
      append_frame_cell(out, frame.columns[i], row, style);
    }
    out += ']';
  }
  out += '}';
  return out;
}

std::string write_json_rows(const Frame& frame, JsonCellStyle style) {
  std::string out = "[";
  for (size_t index = 0; index < frame.rows.size(); ++index) {
    if (index > 0) out += ',';
    append_row_object(out, frame, index, style);
  }
  out += ']';
  return out;
}

std::string write_ndjson(const Frame& frame) {
  std::string out;
  for (size_t index = 0; index < frame.rows.size(); ++index) {
    if (index > 0) out += '\n';
    append_row_object(out, frame, index, NumberStyle::kSerde);
  }
  return out;
}

}  // namespace parallax
