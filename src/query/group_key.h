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
// A cell as the reference writes it in a split column's path ("East|sales") and in a "join":
// floats as %g ("2", "2.5", "1.23457e+06"), dates and datetimes in ISO form, null "null".
std::string value_text(const Column& column, uint32_t row);
// Orders two cells of one column: null first, strings by text, numbers by value (by
// magnitude for the abs directions, where a null counts as 0, as the reference). Negative,
// zero or positive.
int compare_cells(const Column& a_column, uint32_t a, const Column& b_column, uint32_t b,
                  bool abs = false);

}  // namespace parallax
