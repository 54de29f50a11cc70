// Joining the pieces of a column that tasks of the engine's pool converted apart, into the
// column one pass over all the rows would have made (string dictionaries included).
#pragma once

#include <vector>

#include "core/column.h"
#include "core/validity_bitmap.h"

namespace parallax {

// `pieces` (of one type, in row order) as one column. A string column's dictionary holds each
// string at its first appearance across the pieces, as interning row after row does, and null
// cells hold code 0 as appended nulls do.
Column join_pieces(std::vector<Column>& pieces);

// Appends `bits`'s bits after `out`'s.
void append_bitmap(ValidityBitmap& out, const ValidityBitmap& bits);

}  // namespace parallax
