// Extremes and quantiles: aggregates decided by where values fall in the group's order
// (null below every value, strings by their text).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "query/aggregate_rows.h"
#include "query/aggregates/kernels.h"

namespace parallax::aggregates {

namespace {

// The row with the highest (or lowest) value, the first of equal ones; none when all are null.
template <typename Cells>
std::optional<uint32_t> extreme(const Cells& cells, std::span<const uint32_t> rows, bool highest) {
  std::optional<uint32_t> best;
  for (const uint32_t row : rows) {
    if (cells.null(row)) continue;
    if (!best || (highest ? cells.less(*best, row) : cells.less(row, *best))) best = row;
  }
  return best;
}

template <typename Cells>
bool any_null(const Cells& cells, std::span<const uint32_t> rows) {
  return std::any_of(rows.begin(), rows.end(), [&](uint32_t row) { return cells.null(row); });
}

// high / low: a null counts as the type's zero.
void high_or_low(const Column& input, std::span<const uint32_t> rows, Column& out,
                 uint32_t position, bool highest) {
  with_cells(input, [&](const auto& cells) {
    using Storage = typename std::decay_t<decltype(cells)>::Storage;
    const bool nulls = any_null(cells, rows);
    auto row = extreme(cells, rows, highest);
    if (!row) return write_zero(out, position);
    if constexpr (!std::is_same_v<Storage, uint32_t>) {
      const Storage zero = out.type() == DataType::kDate ? Storage(kZeroDate) : Storage{};
      const Storage best = cells.values[*row];
      if (nulls && (highest ? zero > best : zero < best)) return write_zero(out, position);
    }
    cells.copy(*row, out, position);
  });
}

// quantile for numbers without sorting: the rank's value by selection (linear), which is the
// stable sort's whenever equal values are alike. Zeros are not (-0 and 0 are equal), nor is
// NaN ordered: false then, and the caller sorts.
template <typename Cells>
bool quantile_by_selection(double quantile, const Cells& cells, std::span<const uint32_t> rows,
                           Column& out, uint32_t position) {
  using Storage = typename Cells::Storage;
  std::vector<uint32_t> valid;
  valid.reserve(rows.size());
  std::optional<uint32_t> a_null;
  for (const uint32_t row : rows) {
    if (cells.null(row)) {
      if (!a_null) a_null = row;
      continue;
    }
    if constexpr (std::is_same_v<Storage, double>) {
      if (std::isnan(cells.values[row])) return false;
    }
    valid.push_back(row);
  }
  // The sorted rows are the nulls, then `valid` by value.
  const size_t nulls = rows.size() - valid.size();
  const double at = quantile * static_cast<double>(rows.size());
  const size_t index = std::min(static_cast<size_t>(at), rows.size() - 1);
  auto value_less = [&](uint32_t a, uint32_t b) { return cells.values[a] < cells.values[b]; };
  auto select = [&](size_t rank) {
    std::nth_element(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(rank), valid.end(),
                     value_less);
    return valid[rank];
  };
  if constexpr (std::is_same_v<Storage, double>) {
    if (at == std::floor(at) && index > 0) {
      if (index - 1 < nulls) {
        out.set_null(position);
        return true;
      }
      const double above = cells.values[select(index - nulls)];
      // The one below: the largest of those the selection put before it.
      const double below = cells.values[*std::max_element(
          valid.begin(), valid.begin() + (index - nulls), value_less)];
      if (above == 0 || below == 0) return false;
      write_number(out, position, (below + above) / 2);
      return true;
    }
  }
  if (index < nulls) {
    cells.copy(*a_null, out, position);
    return true;
  }
  const uint32_t row = select(index - nulls);
  if constexpr (std::is_same_v<Storage, double>) {
    if (cells.values[row] == 0) return false;
  }
  cells.copy(row, out, position);
  return true;
}

}  // namespace

void high(const AggregateDescriptor&, const Column& input, const Column*,
          std::span<const uint32_t> rows, Column& out, uint32_t position) {
  high_or_low(input, rows, out, position, true);
}

void low(const AggregateDescriptor&, const Column& input, const Column*,
         std::span<const uint32_t> rows, Column& out, uint32_t position) {
  high_or_low(input, rows, out, position, false);
}

// Null orders below every value: max skips nulls, and one null is the minimum.
void max_value(const AggregateDescriptor&, const Column& input, const Column*,
               std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    if (auto row = extreme(cells, rows, true)) return cells.copy(*row, out, position);
    out.set_null(position);
  });
}

void min_value(const AggregateDescriptor&, const Column& input, const Column*,
               std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    if (any_null(cells, rows)) return out.set_null(position);
    if (auto row = extreme(cells, rows, false)) return cells.copy(*row, out, position);
    out.set_null(position);
  });
}

void high_minus_low(const AggregateDescriptor&, const Column& input, const Column*,
                    std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    auto highest = extreme(cells, rows, true), lowest = extreme(cells, rows, false);
    if (any_null(cells, rows) || !highest) return out.set_null(position);
    write_number(out, position, cells.number(*highest) - cells.number(*lowest));
  });
}

// median, q1, q3: the value at `self.quantile` of the rows sorted (nulls first).
void quantile(const AggregateDescriptor& self, const Column& input, const Column*,
              std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    using Storage = typename std::decay_t<decltype(cells)>::Storage;
    if constexpr (!std::is_same_v<Storage, uint32_t>) {  // strings sort by text, below
      if (quantile_by_selection(self.quantile, cells, rows, out, position)) return;
    }
    std::vector<uint32_t> sorted(rows.begin(), rows.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [&](uint32_t a, uint32_t b) { return cells.less(a, b); });
    const double at = self.quantile * static_cast<double>(sorted.size());
    const size_t index = std::min(static_cast<size_t>(at), sorted.size() - 1);
    // Floats between two middle values take their mean; other types take the upper one.
    if constexpr (std::is_same_v<Storage, double>) {
      if (at == std::floor(at) && index > 0) {
        const uint32_t below = sorted[index - 1], above = sorted[index];
        if (cells.null(below) || cells.null(above)) return out.set_null(position);
        return write_number(out, position, (cells.number(below) + cells.number(above)) / 2);
      }
    }
    cells.copy(sorted[index], out, position);
  });
}

}  // namespace parallax::aggregates

namespace parallax {

bool follow_extreme(AggregateKind kind, const Column& before, std::span<const uint32_t> left,
                    const Column& now, std::span<const uint32_t> joined, Column& out,
                    uint32_t position) {
  if (kind != AggregateKind::kMax && kind != AggregateKind::kMin) return false;
  if (out.type() != now.type() || before.type() != now.type() || out.is_null(position))
    return false;
  const bool highest = kind == AggregateKind::kMax;
  bool followed = false;
  aggregates::with_cells(now, [&](const auto& cells) {
    using Storage = typename std::decay_t<decltype(cells)>::Storage;
    if constexpr (!std::is_same_v<Storage, uint32_t>) {
      auto unordered = [](Storage value) {
        if constexpr (std::is_floating_point_v<Storage>) return std::isnan(value);
        return false;
      };
      auto better = [&](Storage a, Storage b) { return highest ? b < a : a < b; };
      Storage best = out.values<Storage>()[position];
      if (unordered(best)) return;
      const std::vector<Storage>& was = before.values<Storage>();
      for (const uint32_t i : left) {
        // max skips nulls; a min is null while the group holds one (and `best` is not).
        if (before.is_null(i)) continue;
        if (unordered(was[i]) || !better(best, was[i])) return;  // it may have been the extreme
      }
      for (const uint32_t row : joined) {
        if (cells.null(row)) {
          if (highest) continue;
          out.set_null(position);  // one null is the minimum
          followed = true;
          return;
        }
        const Storage value = cells.values[row];
        if (unordered(value)) return;
        if (better(value, best)) {
          best = value;
        } else if (!better(best, value) && std::memcmp(&value, &best, sizeof value) != 0) {
          return;  // equal, written otherwise (-0 and 0): the first in order is shown
        }
      }
      out.set<Storage>(position, best);
      followed = true;
    }
  });
  return followed;
}

}  // namespace parallax
