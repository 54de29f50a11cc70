// What input readers may make of a message's bytes: decoding can make far more than it
// reads (sparse JSON rows make a cell for each row of each column, LZ4 expands 255 times,
// an Arrow column of nulls needs no buffers at all), so readers given a bound check what they
// are about to make against it and answer this error, before the memory is taken.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace parallax {

// What a decoded cell is counted as: a JSON cell read before it is typed (a simdjson
// element), and more than a typed cell (8 bytes and a validity bit).
inline constexpr size_t kDecodedCellBytes = 16;

inline constexpr std::string_view kDecodedSizeExceeded = "the data decodes to more than ";
inline Status decoded_size_exceeded(size_t max_decoded_bytes) {
  return Status::invalid("{}{} MB", kDecodedSizeExceeded, max_decoded_bytes >> 20);
}
// (Also with context before it: "Arrow field 'x': the data decodes ...".)
inline bool is_decoded_size_exceeded(const Status& status) {
  return status.message().find(kDecodedSizeExceeded) != std::string::npos;
}

}  // namespace parallax
