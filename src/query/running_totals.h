// Aggregates that can take a row back out: sums, counts, means, weighted means and the
// percentages of sums. A group keeps them as running totals, so an update retracts what a
// row contributed before and adds what it contributes now, without reading the group's
// other rows. The rest (median, min, distinct count, ...) are recomputed from the rows of
// the groups a change touched (query/aggregate_rows.h).
#pragma once

#include <cstdint>
#include <span>

#include "core/column.h"
#include "query/aggregate.h"

namespace parallax {

// Whether `kind` is kept as RunningTotals.
bool is_retractable(AggregateKind kind);

struct RunningTotals {
  int64_t rows = 0;      // every row (count)
  int64_t values = 0;    // rows with a value (and a weight, for weighted mean)
  double sum = 0;        // of the values (|value| for sum abs, value * weight for weighted mean)
  double weights = 0;    // weighted mean: of the weights
  double magnitude = 0;  // of |each term| added or retracted, to notice cancellation

  // Adds (sign +1) or retracts (sign -1) the cell at `position` of `input` (and `argument`,
  // the weight column of weighted mean, at the same position).
  void add(AggregateKind kind, const Column& input, const Column* argument, uint32_t position,
           int sign);
  // Adds every listed row (a typed loop: the first computation of a group).
  void add_rows(AggregateKind kind, const Column& input, const Column* argument,
                std::span<const uint32_t> rows);
  // Adds each listed row to the totals of its group (`group_of`, by table row): what add_rows
  // over each group's rows, in the listed order, adds, in one pass over the rows.
  static void add_rows_by_group(AggregateKind kind, const Column& input, const Column* argument,
                                std::span<const uint32_t> rows, std::span<const uint32_t> group_of,
                                std::span<RunningTotals> totals);
  // Whether retractions cancelled so much of the sum that rounding may show: the group's
  // totals should be recomputed from its rows.
  bool lost_precision() const;
  // Writes the aggregate into `out` at `position`, as aggregate_rows would over the same
  // rows (a percentage as its plain sum). `empty_is_null`: a group without rows shows null.
  void write(AggregateKind kind, Column& out, uint32_t position, bool empty_is_null) const;
};

}  // namespace parallax
