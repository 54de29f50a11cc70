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
  if (frame.columns.empty()) return out;
  for (size_t i = 0; i < frame.columns.size(); ++i) {
    if (i > 0) out += ',';
    append_csv_quoted(out, frame.columns[i].name);
  }
  out += '\n';
  for (const uint32_t row : frame.rows) {
    for (size_t i = 0; i < frame.columns.size(); ++i) {
      if (i > 0) out += ',';
      append_cell(out, *frame.columns[i].column, row);
    }
    out += '\n';
  }
  return out;
}

}  // namespace parallax
