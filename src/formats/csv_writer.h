// Frames as the reference's CSV: every header and string quoted, dates as yyyy-MM-dd,
// datetimes as "yyyy-MM-dd HH:mm:ss.SSS" (UTC), nulls empty.
#pragma once

#include <string>

#include "core/frame.h"

namespace parallax {

std::string write_csv(const Frame& frame);

void append_csv_quoted(std::string& out, std::string_view text);

}  // namespace parallax
