// LZ4 frame compression of Arrow IPC body buffers (the BUFFER method): each buffer is stored as
// its uncompressed length (little-endian int64, -1 when stored uncompressed) followed by the
// compressed bytes; an empty buffer stays empty.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace parallax {

// Appends `data` compressed (with its length prefix) to `out`.
void append_lz4_buffer(std::string& out, std::string_view data);

// The uncompressed bytes of a compressed buffer. A declared length that LZ4 could not have
// produced from this many bytes is rejected before anything is allocated.
Result<std::vector<uint8_t>> decompress_lz4_buffer(std::string_view buffer);

}  // namespace parallax
