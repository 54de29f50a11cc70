// View configs and windows from their JSON form, as clients write them:
// {"columns": [...], "sort": [["col", "desc"]], "filter": [["col", "==", 1]], ...}.
#pragma once

#include <string_view>

#include "common/status.h"
#include "query/flat_view.h"
#include "query/view_config.h"

namespace parallax {

Result<ViewConfig> view_config_from_json(std::string_view json);
Result<ViewWindow> view_window_from_json(std::string_view json);

}  // namespace parallax
