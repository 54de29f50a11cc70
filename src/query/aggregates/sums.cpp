// Counts, sums, means, spreads and products: the aggregates that add (or multiply) values up. The
// retractable ones are also kept as running totals (query/running_totals.h), which must agree with
// these: sums are exact (query/exact_sum.h), rounded once, whatever the rows' order.
#include <cmath>
#include <optional>

#include "query/aggregate_rows.h"
#include "query/aggregates/kernels.h"
#include "query/exact_spread.h"
#include "query/exact_sum.h"

namespace parallax::aggregates {

namespace {

template <bool AbsoluteTerms, bool AbsoluteSum>
void add_up(const Column& input, std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    ExactSum total;
    for (const uint32_t row : rows) {
      if (cells.null(row)) continue;
      total.add(AbsoluteTerms ? std::fabs(cells.number(row)) : cells.number(row));
    }
    write_number(out, position, AbsoluteSum ? std::fabs(total.value()) : total.value());
  });
}

// The mean: the sum over the values.
void average(const Column& input, std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    ExactSum total;
    size_t values = 0;
    for (const uint32_t row : rows) {
      if (cells.null(row)) continue;
      total.add(cells.number(row));
      ++values;
    }
    if (values == 0) return out.set_null(position);
    write_number(out, position, total.value() / static_cast<double>(values));
  });
}

// The population variance or its square root, from the values' exact sums (query/exact_spread.h):
// what running totals that added and retracted any rows to reach these read too.
template <bool Deviation>
void spread(const Column& input, std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    ExactSpread sums;
    for (const uint32_t row : rows) {
      if (!cells.null(row)) sums.add(cells.number(row), 1);
    }
    const std::optional<double> population = sums.variance();
    if (!population) return out.set_null(position);  // as the reference: no spread of one value
    write_number(out, position, Deviation ? std::sqrt(*population) : *population);
  });
}

}  // namespace

void count(const AggregateDescriptor&, const Column&, const Column*, std::span<const uint32_t> rows,
           Column& out, uint32_t position) {
  out.set<int32_t>(position, static_cast<int32_t>(rows.size()));
}

void sum(const AggregateDescriptor&, const Column& input, const Column*,
         std::span<const uint32_t> rows, Column& out, uint32_t position) {
  add_up<false, false>(input, rows, out, position);
}

void abs_sum(const AggregateDescriptor&, const Column& input, const Column*,
             std::span<const uint32_t> rows, Column& out, uint32_t position) {
  add_up<false, true>(input, rows, out, position);
}

void sum_abs(const AggregateDescriptor&, const Column& input, const Column*,
             std::span<const uint32_t> rows, Column& out, uint32_t position) {
  add_up<true, false>(input, rows, out, position);
}

void mean(const AggregateDescriptor&, const Column& input, const Column*,
          std::span<const uint32_t> rows, Column& out, uint32_t position) {
  average(input, rows, out, position);
}

void variance(const AggregateDescriptor&, const Column& input, const Column*,
              std::span<const uint32_t> rows, Column& out, uint32_t position) {
  spread<false>(input, rows, out, position);
}

void deviation(const AggregateDescriptor&, const Column& input, const Column*,
               std::span<const uint32_t> rows, Column& out, uint32_t position) {
  spread<true>(input, rows, out, position);
}

void weighted_mean(const AggregateDescriptor&, const Column& input, const Column* argument,
                   std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    ExactSum weighted, weights;
    for (const uint32_t row : rows) {
      if (cells.null(row) || argument->is_null(row)) continue;
      const double weight = numeric_cell(*argument, row);
      weighted.add(cells.number(row) * weight);
      weights.add(weight);
    }
    const double total_weight = weights.value();
    if (total_weight == 0) return out.set_null(position);
    write_number(out, position, weighted.value() / total_weight);
  });
}

// As the reference: one row shows its value (a null too); over more rows a null counts as 0.
void product(const AggregateDescriptor&, const Column& input, const Column*,
             std::span<const uint32_t> rows, Column& out, uint32_t position) {
  if (rows.size() == 1) return out.set_from(position, input, rows[0]);
  with_cells(input, [&](const auto& cells) {
    double product = 1;
    for (const uint32_t row : rows) product *= cells.null(row) ? 0 : cells.number(row);
    write_number(out, position, product);
  });
}

}  // namespace parallax::aggregates
