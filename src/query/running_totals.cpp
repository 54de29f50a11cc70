#include "query/running_totals.h"

#include <cmath>

#include "query/aggregate_rows.h"

namespace parallax {

using K = AggregateKind;

bool is_retractable(AggregateKind kind) {
  switch (kind) {
    case K::kSum:
    case K::kAbsSum:
    case K::kSumAbs:
    case K::kSumNotNull:
    case K::kAvg:
    case K::kCount:
    case K::kPctSumParent:
    case K::kPctSumTotal:
    case K::kWeightedMean:
      return true;
    default:
      return false;
  }
}

void RunningTotals::add(AggregateKind kind, const Column& input, const Column* argument,
                        uint32_t position, int sign) {
  rows += sign;
  if (kind == K::kCount || input.is_null(position)) return;
  double term = numeric_cell(input, position);
  if (kind == K::kWeightedMean) {
    if (argument->is_null(position)) return;
    const double weight = numeric_cell(*argument, position);
    weights += sign * weight;
    term *= weight;
  } else if (kind == K::kSumAbs) {
    term = std::fabs(term);
  }
  values += sign;
  sum += sign * term;
  magnitude += std::fabs(term);
}

void RunningTotals::add_rows(AggregateKind kind, const Column& input, const Column* argument,
                             std::span<const uint32_t> list) {
  rows += static_cast<int64_t>(list.size());
  if (kind == K::kCount) return;
  if (kind == K::kWeightedMean || input.type() == DataType::kString) {
    rows -= static_cast<int64_t>(list.size());
    for (const uint32_t row : list) add(kind, input, argument, row, 1);
    return;
  }
  visit_type(input.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    if constexpr (!std::is_same_v<Storage, uint32_t>) {
      const std::vector<Storage>& cells = input.values<Storage>();
      const ValidityBitmap& validity = input.validity();
      const bool absolute = kind == K::kSumAbs;
      double total = sum, size = magnitude;
      int64_t count = 0;
      for (const uint32_t row : list) {
        if (!validity.is_valid(row)) continue;
        double term = static_cast<double>(cells[row]);
        if (absolute) term = std::fabs(term);
        total += term;
        size += std::fabs(term);
        ++count;
      }
      sum = total;
      magnitude = size;
      values += count;
    }
  });
}

bool RunningTotals::lost_precision() const {
  // Each add or retract may round by a relative 2^-52 of what it adds: a sum far below the
  // magnitude of every term it has seen may be mostly rounding. (Integer sums are exact, and
  // are only recomputed needlessly when they cancel to near zero.)
  return values > 0 && std::fabs(sum) < 1e-6 * magnitude;
}

void RunningTotals::write(AggregateKind kind, Column& out, uint32_t position,
                          bool empty_is_null) const {
  // A group without rows: null where asked, and for a plain sum or a mean (as the reference).
  if (rows == 0 && (empty_is_null || kind == K::kSum)) return out.set_null(position);
  switch (kind) {
    case K::kCount:
      return out.set<int32_t>(position, static_cast<int32_t>(rows));
    case K::kAvg:
      if (values == 0) return out.set_null(position);
      return write_number(out, position, sum / static_cast<double>(values));
    case K::kWeightedMean:
      if (weights == 0) return out.set_null(position);
      return write_number(out, position, sum / weights);
    case K::kAbsSum:
      return write_number(out, position, std::fabs(sum));
    default:
      return write_number(out, position, sum);
  }
}

}  // namespace parallax
