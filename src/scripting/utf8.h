// UTF-8 checks and encoding, for the text serializers (serpent, json).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parallax {

// The byte offset of the first invalid UTF-8 sequence, or nullopt when `text` is valid.
std::optional<size_t> find_invalid_utf8(std::string_view text);
// Appends code point `code` (which is not a surrogate and at most 0x10FFFF).
void append_utf8(std::string& out, uint32_t code);

}  // namespace parallax
