// How grouped views identify a group's key cell: hashable bits that equal cells share.
#pragma once

#include <cstdint>
#include <string>

#include "core/column.h"

namespace parallax {

// The cell's bits: strings by dictionary code, floats by bit pattern (-0 as 0), other types
// by value. Meaningless for a null cell.
int64_t group_key_bits(const Column& column, uint32_t row);
// The bytes append_group_key adds per cell: validity, then the bits.
inline constexpr size_t kGroupKeySize = 1 + sizeof(int64_t);
// Appends the cell's validity and bits to `path`, which then names a group or combination.
void append_group_key(std::string& path, const Column& column, uint32_t row);

}  // namespace parallax
