// Aggregates that can take a row back out: sums, counts, means, weighted means, the
// percentages of sums, variances and standard deviations. A group keeps them as running totals, so
// an update retracts what a row contributed before and adds what it contributes now, without
// reading the group's other rows. The rest (median, min, distinct count, ...) are recomputed from
// the rows of the groups a change touched (query/aggregate_rows.h).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/column.h"
#include "query/aggregate.h"
#include "query/exact_spread.h"

namespace parallax {

// Whether `kind` is kept as RunningTotals.
bool is_retractable(AggregateKind kind);

// Var, stddev: a group's exact sums (query/exact_spread.h), made at its first value, copied
// with the totals (8 bytes for the other aggregates).
class SpreadSums {
 public:
  SpreadSums() = default;
  SpreadSums(const SpreadSums& other)
      : sums_(other.sums_ ? std::make_unique<ExactSpread>(*other.sums_) : nullptr) {}
  SpreadSums& operator=(const SpreadSums& other) {
    if (this != &other) sums_ = other.sums_ ? std::make_unique<ExactSpread>(*other.sums_) : nullptr;
    return *this;
  }
  SpreadSums(SpreadSums&&) noexcept = default;
  SpreadSums& operator=(SpreadSums&&) noexcept = default;

  ExactSpread& get() {
    if (!sums_) sums_ = std::make_unique<ExactSpread>();
    return *sums_;
  }
  const ExactSpread* find() const { return sums_.get(); }

 private:
  std::unique_ptr<ExactSpread> sums_;
};

struct RunningTotals {
  int64_t rows = 0;      // every row (count)
  int64_t values = 0;    // rows with a value (and a weight, for weighted mean)
  double sum = 0;        // of the values (|value| for sum abs, value * weight for weighted mean)
  double weights = 0;    // weighted mean: of the weights
  double magnitude = 0;  // of |each term| added or retracted, to notice cancellation
  // Var, stddev: the values' exact sum and sum of squares, which add and retract without
  // rounding (a followed group reads as one built afresh, whatever changed in it).
  SpreadSums spread;

  // Adds (sign +1) or retracts (sign -1) the cell at `position` of `input` (and `argument`,
  // the weight column of weighted mean, at the same position).
  void add(AggregateKind kind, const Column& input, const Column* argument, uint32_t position,
           int sign);
  // Adds every listed row (a typed loop: the first computation of a group).
  void add_rows(AggregateKind kind, const Column& input, const Column* argument,
                std::span<const uint32_t> rows);
  // Adds the rows of each list, list after list: what add_rows of each in turn adds.
  void add_lists(AggregateKind kind, const Column& input, const Column* argument,
                 std::span<const std::span<const uint32_t>> lists);
  // Adds each listed row to the totals of its group (`group_of`, by table row): what add_rows
  // over each group's rows, in the listed order, adds, in one pass over the rows.
  static void add_rows_by_group(AggregateKind kind, const Column& input, const Column* argument,
                                std::span<const uint32_t> rows, std::span<const uint32_t> group_of,
                                std::span<RunningTotals> totals);
  // Whether add_rows of `kind` over `input` adds one number a row to `sum` and its size to
  // `magnitude` (the typed sums and means): what scatter_terms and add_terms do in two steps.
  static bool adds_terms(AggregateKind kind, const Column& input);
  // For such a kind: writes the term each listed row adds at `terms[places[group_of[row]]++]`
  // (a null's as +0.0: added to a running sum, which starts at +0.0 and so is never -0.0, it
  // changes no bit), and counts each group's rows and values into `totals` (not the sums).
  static void scatter_terms(AggregateKind kind, const Column& input, std::span<const uint32_t> rows,
                            std::span<const uint32_t> group_of, std::span<size_t> places,
                            double* terms, std::span<RunningTotals> totals);
  // Adds each term (and its size) to `sum` and `magnitude`, in order: with the rows and values
  // counted, what add_rows of the rows the terms came from adds.
  void add_terms(std::span<const double> terms);
  // Whether retractions cancelled so much of the sum that rounding may show: the group's
  // totals should be recomputed from its rows. (Never for var and stddev: exact.)
  bool lost_precision() const;
  // Writes the aggregate into `out` at `position`, as aggregate_rows would over the same
  // rows (a percentage as its plain sum). `empty_is_null`: a group without rows shows null.
  void write(AggregateKind kind, Column& out, uint32_t position, bool empty_is_null) const;
};

}  // namespace parallax
