// A view printed in one of the CLI's output formats (columns, json, csv, ndjson), as every
// front end writes it (api/view_output), with a final newline.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "query/view.h"

namespace parallax {

Result<std::string> format_view(const View& view, std::string_view format);

}  // namespace parallax
