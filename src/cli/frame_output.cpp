#include "cli/frame_output.h"

#include "formats/csv_writer.h"
#include "formats/json_writer.h"

namespace parallax {

Result<std::string> format_view(const View& view, std::string_view format) {
  std::string text;
  if (format == "columns") {
    text = write_json_columns(view.read({}, KeyColumns::kTrailing));
  } else if (format == "json") {
    text = write_json_rows(view.read({}, KeyColumns::kLeading));
  } else if (format == "csv") {
    text = write_csv(view.read({}, KeyColumns::kNone));
  } else if (format == "ndjson") {
    text = write_ndjson(view.read({}, KeyColumns::kNone));
  } else {
    return Status::invalid("unknown output format '{}'", format);
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

}  // namespace parallax
