#include "query/running_totals.h"

#include <cmath>

#include "query/aggregate_rows.h"

namespace parallax {

bool is_retractable(AggregateKind kind) {
  return descriptor(kind).retraction != Retraction::kNone;
}

void RunningTotals::add(AggregateKind kind, const Column& input, const Column* argument,
                        uint32_t position, int sign) {
  const Retraction form = descriptor(kind).retraction;
  rows += sign;
  if (form == Retraction::kCount || input.is_null(position)) return;
  double term = numeric_cell(input, position);
  if (form == Retraction::kVariance || form == Retraction::kDeviation) {
    values += sign;
    return spread.get().add(term, sign);
  }
  if (form == Retraction::kWeightedMean) {
    if (argument->is_null(position)) return;
    const double weight = numeric_cell(*argument, position);
    spread.weights().add(weight, sign);
    term *= weight;
  } else if (form == Retraction::kSumOfAbs) {
    term = std::fabs(term);
  }
  values += sign;
  sum.add(term, sign);
}

namespace {

// Adds the rows of each list to the totals `totals_of(row)` names: a typed loop. `kPrefetchTotals`:
// the totals are far apart too (a group's, by table row), and fetched ahead as the cells are.
template <bool kPrefetchTotals = false, typename TotalsOf>
void add_each(AggregateKind kind, const Column& input, const Column* argument,
              std::span<const std::span<const uint32_t>> lists, TotalsOf&& totals_of) {
  const Retraction form = descriptor(kind).retraction;
  if (form == Retraction::kCount) {
    for (const auto list : lists) {
      for (const uint32_t row : list) ++totals_of(row).rows;
    }
    return;
  }
  if (form == Retraction::kWeightedMean || input.type() == DataType::kString) {
    for (const auto list : lists) {
      for (const uint32_t row : list) totals_of(row).add(kind, input, argument, row, 1);
    }
    return;
  }
  visit_type(input.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    if constexpr (!std::is_same_v<Storage, uint32_t>) {
      const std::vector<Storage>& cells = input.values<Storage>();
      const ValidityBitmap& validity = input.validity();
      const bool absolute = form == Retraction::kSumOfAbs;
      const bool exact_spread = form == Retraction::kVariance || form == Retraction::kDeviation;
      // Rows far apart (a group's rows in a big table) miss the cache: fetched ahead, across
      // the lists (a tree's leaves hold a few rows each: ahead within one list alone, most
      // rows would not be).
      constexpr size_t kAhead = 16;
      size_t ahead_list = 0, ahead_at = 0;  // the row kAhead rows ahead of the one added
      auto advance = [&] {
        ++ahead_at;
        while (ahead_list < lists.size() && ahead_at >= lists[ahead_list].size()) {
          ++ahead_list;
          ahead_at = 0;
        }
      };
      while (ahead_list < lists.size() && lists[ahead_list].empty()) ++ahead_list;
      for (size_t i = 0; i < kAhead && ahead_list < lists.size(); ++i) advance();
      for (const auto list : lists) {
        for (const uint32_t row : list) {
          if (ahead_list < lists.size()) {
            const uint32_t ahead = lists[ahead_list][ahead_at];
            __builtin_prefetch(cells.data() + ahead);
            if constexpr (kPrefetchTotals) __builtin_prefetch(&totals_of(ahead), 1);
            advance();
          }
          RunningTotals& totals = totals_of(row);
          ++totals.rows;
          if (!validity.is_valid(row)) continue;
          double term = static_cast<double>(cells[row]);
          if (exact_spread) {
            ++totals.values;
            totals.spread.get().add(term, 1);
            continue;
          }
          if (absolute) term = std::fabs(term);
          totals.sum.add(term);
          ++totals.values;
        }
      }
    }
  });
}

}  // namespace

void RunningTotals::add_rows(AggregateKind kind, const Column& input, const Column* argument,
                             std::span<const uint32_t> list) {
  add_lists(kind, input, argument, {&list, 1});
}

void RunningTotals::add_lists(AggregateKind kind, const Column& input, const Column* argument,
                              std::span<const std::span<const uint32_t>> lists) {
  add_each(kind, input, argument, lists, [this](uint32_t) -> RunningTotals& { return *this; });
}

void RunningTotals::add_rows_by_group(AggregateKind kind, const Column& input,
                                      const Column* argument, std::span<const uint32_t> rows,
                                      std::span<const uint32_t> group_of,
                                      std::span<RunningTotals> totals) {
  add_each<true>(kind, input, argument, {&rows, 1},
                 [&](uint32_t row) -> RunningTotals& { return totals[group_of[row]]; });
}

bool RunningTotals::adds_totals(AggregateKind kind) {
  const Retraction form = descriptor(kind).retraction;
  return form != Retraction::kNone && form != Retraction::kVariance &&
         form != Retraction::kDeviation;
}

void RunningTotals::add_totals(const RunningTotals& other) {
  rows += other.rows;
  values += other.values;
  sum.add(other.sum);
  // (Weighted mean's weights; no other aggregate this adds makes extra sums.)
  if (const ExactSum* weights = other.spread.find_weights()) spread.weights().add(*weights);
}

void RunningTotals::write(AggregateKind kind, Column& out, uint32_t position,
                          bool empty_is_null) const {
  const Retraction form = descriptor(kind).retraction;
  // A group without rows: null where asked, and for a plain sum (a mean has no values).
  if (rows == 0 && (empty_is_null || form == Retraction::kSum)) return out.set_null(position);
  switch (form) {
    case Retraction::kCount:
      return out.set<int32_t>(position, static_cast<int32_t>(rows));
    case Retraction::kMean:
      if (values == 0) return out.set_null(position);
      return write_number(out, position, sum.value() / static_cast<double>(values));
    case Retraction::kWeightedMean: {
      const double weights = spread.weights_value();
      if (weights == 0) return out.set_null(position);
      return write_number(out, position, sum.value() / weights);
    }
    case Retraction::kAbsOfSum:
      return write_number(out, position, std::fabs(sum.value()));
    case Retraction::kVariance:
    case Retraction::kDeviation: {
      // As the kernel (aggregates::spread): from the same exact sums.
      const ExactSpread* sums = spread.find();
      const std::optional<double> population = sums ? sums->variance() : std::nullopt;
      if (!population) return out.set_null(position);  // no spread of one value
      return write_number(out, position,
                          form == Retraction::kVariance ? *population : std::sqrt(*population));
    }
    case Retraction::kSum:
    case Retraction::kSumOrZero:
    case Retraction::kSumOfAbs:
      return write_number(out, position, sum.value());
    case Retraction::kNone:
      break;
  }
  out.set_null(position);  // not kept as running totals
}

}  // namespace parallax
