#include "formats/csv_writer.h"

#include "common/number_format.h"
#include "core/temporal.h"

namespace parallax {

void append_csv_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

namespace {

void append_cell(std::string& out, const Column& column, uint32_t row) {
  if (column.is_null(row)) return;
  switch (column.type()) {
    case DataType::kBoolean:
      out += column.value<uint8_t>(row) ? "true" : "false";
      return;
    case DataType::kInteger:
      out += std::to_string(column.value<int32_t>(row));
      return;
    case DataType::kFloat:
      append_number(out, column.value<double>(row), NumberStyle::kCsv);
      return;
    case DataType::kString:
      append_csv_quoted(out, column.string_at(row));
      return;
    case DataType::kDate:
      out += format_date_iso(column.value<int32_t>(row));
      return;
    case DataType::kDatetime:
      out += format_datetime_iso(column.value<int64_t>(row));
      return;
  }
}

}  // namespace

std::string write_csv(const Frame& frame) {
  std::string out;
  if (frame.columns.empty() && !frame.row_path) return out;
  // Grouped views lead with one column per group level, empty below the row's depth.
  const std::vector<FrameColumn> no_levels;
  const auto& levels = frame.row_path ? frame.row_path->levels : no_levels;
  bool first = true;
  auto separate = [&] {
    if (!first) out += ',';
    first = false;
  };
  for (const auto& column : levels) separate(), append_csv_quoted(out, column.name);
  for (const auto& column : frame.columns) separate(), append_csv_quoted(out, column.name);
  out += '\n';
  for (size_t index = 0; index < frame.rows.size(); ++index) {
    const uint32_t row = frame.rows[index];
    first = true;
    for (size_t level = 0; level < levels.size(); ++level) {
      separate();
      if (level < frame.row_path->depths[index]) append_cell(out, *levels[level].column, row);
    }
    for (const auto& column : frame.columns) separate(), append_cell(out, *column.column, row);
    out += '\n';
  }
  return out;
}

}  // namespace parallax
