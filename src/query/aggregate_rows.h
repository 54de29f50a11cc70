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
// A numeric cell (a weight, or a value being summed), whichever numeric type it has.
double numeric_cell(const Column& column, uint32_t row);
// Writes `value` as `out`'s type (an integer truncated); NaN writes null.
void write_number(Column& out, uint32_t position, double value);

}  // namespace parallax
