// The aggregate kernels, and what they share: typed, null-aware access to one input column and
// the zeros they write. Internal to query/ (the registry and the kernels).
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "core/column.h"
#include "query/aggregate.h"
#include "query/group_key.h"

namespace parallax::aggregates {

// The value "any" gives a group without values, and "high" and "low" take for a null: the
// type's zero (for dates, the reference's day zero, 0000-01-01 less a day).
inline constexpr int32_t kZeroDate = -719529;

// Typed access to one input column: null-aware ordering (null below every value, strings by
// their text) and copies of cells into the output column.
template <typename S>
struct Cells {
  using Storage = S;
  const Column& column;
  const std::vector<Storage>& values;

  explicit Cells(const Column& c) : column(c), values(c.values<Storage>()) {}
  bool null(uint32_t row) const { return column.is_null(row); }
  double number(uint32_t row) const { return static_cast<double>(values[row]); }
  bool less(uint32_t a, uint32_t b) const {
    if (null(a) || null(b)) return null(a) && !null(b);
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      return column.dictionary().at(values[a]) < column.dictionary().at(values[b]);
    } else {
      return values[a] < values[b];
    }
  }
  bool equal(uint32_t a, uint32_t b) const {
    if (null(a) || null(b)) return null(a) == null(b);
    return values[a] == values[b];
  }
  void copy(uint32_t row, Column& out, uint32_t position) const {
    out.set_from(position, column, row);
  }
  // As the reference writes the value in a join (and a split column's name).
  std::string text(uint32_t row) const { return value_text(column, row); }
};

// Calls f(Cells<Storage>) with the input's storage type.
template <typename F>
void with_cells(const Column& input, F f) {
  visit_type(input.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    f(Cells<Storage>(input));
  });
}

// Writes the type's zero: 0, false, "", the reference's day zero.
void write_zero(Column& out, uint32_t position);

// The kernels (AggregateKernel), by family; aggregate.cpp's registry names them.
// sums.cpp: counts, sums, means and spreads, products.
AggregateKernelFunction count, sum, abs_sum, sum_abs, mean, variance, deviation, weighted_mean,
    product;
// order_statistics.cpp: extremes and quantiles.
AggregateKernelFunction high, low, max_value, min_value, high_minus_low, quantile;
// picks.cpp: one row, picked by its place or by another column.
AggregateKernelFunction any_value, first, last, last_minus_first, min_by, max_by;
// runs.cpp: runs of equal values.
AggregateKernelFunction distinct_count, unique_value, dominant, join_text;

}  // namespace parallax::aggregates
