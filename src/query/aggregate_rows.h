// Computes one aggregate over a group's rows: what its descriptor says a group without rows
// shows, else its kernel (query/aggregates/). The rows come in primary-key order, which
// "first" and "last" rely on.
#pragma once

#include <cstdint>
#include <span>

#include "core/column.h"
#include "core/table.h"
#include "query/aggregate.h"

namespace parallax {

// Writes the aggregate of `input` over `rows` into `out` at `position`. `argument` is the
// weight / "by" column of the aggregates that take one. Percentages of sums are written as
// the plain sum; the view divides them once every group's sum is known.
void aggregate_rows(AggregateKind kind, const Column& input, const Column* argument,
                    std::span<const uint32_t> rows, Column& out, uint32_t position);
// max or min of a group after some of its rows changed, without reading the others: from the
// group's value before (`out` at `position`), the changed rows' cells before (`before` at
// `left`, the rows that were in the group) and now (`now` at `joined`, the rows in it now).
// Writes the new value and answers true, or answers false when that cannot tell and the group
// must be recomputed: a row that may have held the extreme left, the value before was null,
// a NaN, an equal value of another representation (-0 and 0: the first in order is shown),
// strings (ordered by their text).
bool follow_extreme(AggregateKind kind, const Column& before, std::span<const uint32_t> left,
                    const Column& now, std::span<const uint32_t> joined, Column& out,
                    uint32_t position);
// A numeric cell (a weight, or a value being summed), whichever numeric type it has.
double numeric_cell(const Column& column, uint32_t row);
// Writes `value` as `out`'s type (an integer truncated); NaN writes null.
void write_number(Column& out, uint32_t position, double value);

}  // namespace parallax
