#include "api/view_output.h"

#include "api/json_results.h"
#include "api/view_arrow.h"
#include "core/temporal.h"
#include "formats/csv_writer.h"
#include "formats/json_writer.h"

namespace parallax {

Result<std::string> write_view(const View& view, const ViewWindow& window, ViewTextFormat format,
                               NumberStyle floats) {
  PX_RETURN_IF_ERROR(view.check_window(window));
  switch (format) {
    case ViewTextFormat::kColumns:
      return write_json_columns(view.read(window, KeyColumns::kTrailing),
                                {floats, window.formatted});
    case ViewTextFormat::kRows:
      return write_json_rows(view.read(window, KeyColumns::kLeading), {floats, window.formatted});
    case ViewTextFormat::kCsv:
      if (view.is_inverted(window)) {
        return Status::invalid("the window's start_row is after its end_row");
      }
      return write_csv(stored_frame(view, view.read(window, KeyColumns::kNone)));
    case ViewTextFormat::kNdjson:
      return write_ndjson(view.read(ViewWindow{}, KeyColumns::kNone));
  }
  return Status::invalid("unknown view output format");
}

std::optional<ViewTextFormat> view_text_format(std::string_view name) {
  if (name == "columns") return ViewTextFormat::kColumns;
  if (name == "json") return ViewTextFormat::kRows;
  if (name == "csv") return ViewTextFormat::kCsv;
  if (name == "ndjson") return ViewTextFormat::kNdjson;
  return std::nullopt;
}

Result<std::string> write_view_named(const View& view, std::string_view name) {
  const auto format = view_text_format(name);
  if (!format) return Status::invalid("unknown output format '{}'", name);
  PX_ASSIGN_OR_RETURN(std::string text, write_view(view, ViewWindow{}, *format));
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

Result<std::string> write_view_arrow(const View& view, const ViewWindow& window,
                                     std::string_view compression, bool file_format) {
  ArrowWriteOptions options;
  if (file_format) options.format = ArrowFormat::kFile;
  if (compression == "lz4") {
    options.compression = ArrowCompression::kLz4Frame;
  } else if (!compression.empty()) {
    return Status::invalid("unknown compression '{}'", compression);
  }
  if (view.is_inverted(window)) {
    return Status::invalid("the window's start_row is after its end_row");
  }
  return view_to_arrow(view, window, options);
}

std::string min_max_value_json(const Scalar& value) {
  if (value.valid && value.type == DataType::kDate) {
    return json_quoted(format_date_iso(static_cast<int32_t>(value.integer)));
  }
  if (value.valid && value.type == DataType::kDatetime) {
    return json_quoted(format_datetime_iso(value.integer));
  }
  return scalar_json(value);
}

}  // namespace parallax
