// Durations as pipelines spell them: "500ms", "10s", "1.5m", "2h", or a plain number of seconds.
#pragma once

#include <chrono>
#include <string_view>

#include "common/status.h"

namespace parallax {

Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace parallax
