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
#include "query/exact_sum.h"

namespace parallax {

// Whether `kind` is kept as RunningTotals.
bool is_retractable(AggregateKind kind);

// Var, stddev: a group's exact sum and sum of squares (query/exact_spread.h); weighted mean:
// its weights' exact sum. Made at the group's first value, copied with the totals: 8 bytes for
// the other aggregates, and each kind allocates only its own (a weighted mean's 40 bytes, not
// var's sums too: a view of 1M groups).
class SpreadSums {
 public:
  SpreadSums() = default;
  SpreadSums(const SpreadSums& other) : sums_(other.sums_ ? other.sums_->copy() : nullptr) {}
  SpreadSums& operator=(const SpreadSums& other) {
    if (this != &other) sums_ = other.sums_ ? other.sums_->copy() : nullptr;
    return *this;
  }
  SpreadSums(SpreadSums&&) noexcept = default;
  SpreadSums& operator=(SpreadSums&&) noexcept = default;

  // (A group's totals hold one kind's sums: get() and weights() are not both called.)
  ExactSpread& get() { return made<Spread>().sums; }
  const ExactSpread* find() const {
    const auto* spread = dynamic_cast<const Spread*>(sums_.get());
    return spread ? &spread->sums : nullptr;
  }
  ExactSum& weights() { return made<Weights>().sums; }
  const ExactSum* find_weights() const {
    const auto* weights = dynamic_cast<const Weights*>(sums_.get());
    return weights ? &weights->sums : nullptr;
  }
  // The weights' sum (0 when none were added).
  double weights_value() const {
    const ExactSum* weights = find_weights();
    return weights ? weights->value() : 0;
  }

 private:
  struct Sums {
    virtual ~Sums() = default;
    virtual std::unique_ptr<Sums> copy() const = 0;
  };
  template <typename T>
  struct Of : Sums {
    T sums;
    std::unique_ptr<Sums> copy() const override { return std::make_unique<Of>(*this); }
  };
  using Spread = Of<ExactSpread>;
  using Weights = Of<ExactSum>;
  template <typename T>
  T& made() {
    if (!sums_) sums_ = std::make_unique<T>();
    return static_cast<T&>(*sums_);
  }
  std::unique_ptr<Sums> sums_;
};

struct RunningTotals {
  int64_t rows = 0;    // every row (count)
  int64_t values = 0;  // rows with a value (and a weight, for weighted mean)
  // Of the values (|value| for sum abs, value * weight for weighted mean), exact
  // (query/exact_sum.h): rows add and retract without rounding, in any order, so a followed
  // group reads as one built afresh, bit for bit.
  ExactSum sum;
  // Var, stddev: the values' exact sum and sum of squares; weighted mean: the weights' sum.
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
  // over each group's rows adds, in one pass over the rows.
  static void add_rows_by_group(AggregateKind kind, const Column& input, const Column* argument,
                                std::span<const uint32_t> rows, std::span<const uint32_t> group_of,
                                std::span<RunningTotals> totals);
  // Adds another group's totals (of the same aggregate): a group's from its children's. Only
  // where adds_totals(kind): not var and stddev, whose exact sums are added row by row.
  void add_totals(const RunningTotals& other);
  static bool adds_totals(AggregateKind kind);
  // Writes the aggregate into `out` at `position`, as aggregate_rows would over the same
  // rows (a percentage as its plain sum). `empty_is_null`: a group without rows shows null.
  void write(AggregateKind kind, Column& out, uint32_t position, bool empty_is_null) const;
};

}  // namespace parallax
