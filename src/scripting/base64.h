// Base64 (RFC 4648, with padding): how Arrow IPC bytes travel inside serpent and json
// requests, which carry text best.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace parallax {

std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

}  // namespace parallax
