#include "cli/frame_output.h"

#include "api/view_output.h"

namespace parallax {

Result<std::string> format_view(const View& view, std::string_view format) {
  const auto text_format = view_text_format(format);
  if (!text_format) return Status::invalid("unknown output format '{}'", format);
  PX_ASSIGN_OR_RETURN(std::string text, write_view(view, ViewWindow{}, *text_format));
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

}  // namespace parallax
