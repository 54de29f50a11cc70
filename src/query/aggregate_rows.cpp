#include "query/aggregate_rows.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "core/temporal.h"

namespace parallax {

namespace {

using K = AggregateKind;

// The value "any" gives a group without values, and "high" and "low" take for a null: the
// type's zero (for dates, the reference's day zero, 0000-01-01 less a day).
constexpr int32_t kZeroDate = -719529;

// Typed access to one input column: null-aware ordering (null below every value, strings by
// their text) and copies of cells into the output column.
template <typename Storage>
struct Cells {
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
  std::string text(uint32_t row) const {
    if (null(row)) return "null";
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      return std::string(column.string_at(row));
    } else if constexpr (std::is_same_v<Storage, uint8_t>) {
      return values[row] ? "true" : "false";
    } else {
      return std::to_string(values[row]);
    }
  }
};

void write_zero(Column& out, uint32_t position) {
  switch (out.type()) {
    case DataType::kBoolean:
      out.set<uint8_t>(position, 0);
      return;
    case DataType::kString:
      out.set<uint32_t>(position, out.mutable_dictionary().intern(""));
      return;
    case DataType::kDate:
      out.set<int32_t>(position, kZeroDate);
      return;
    default:
      write_number(out, position, 0);
  }
}

// What a group without rows shows (the totals row when a filter keeps no row), as the
// reference: counts 0, picked values the type's zero, join "", the rest null.
void write_empty(AggregateKind kind, Column& out, uint32_t position) {
  switch (kind) {
    case K::kCount:
    case K::kDistinctCount:
    case K::kAbsSum:
    case K::kSumAbs:
    case K::kSumNotNull:
      return write_number(out, position, 0);
    case K::kAny:
    case K::kUnique:
    case K::kDominant:
    case K::kFirst:
    case K::kLast:
    case K::kLastByIndex:
    case K::kMax:
    case K::kMin:
    case K::kMinBy:
    case K::kMaxBy:
      return write_zero(out, position);
    case K::kJoin:
      return out.set<uint32_t>(position, out.mutable_dictionary().intern(""));
    default:
      return out.set_null(position);
  }
}

template <typename Storage>
void aggregate_typed(AggregateKind kind, const Cells<Storage>& cells, const Column* argument,
                     std::span<const uint32_t> rows, Column& out, uint32_t position) {
  auto sorted_rows = [&] {
    std::vector<uint32_t> sorted(rows.begin(), rows.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [&](uint32_t a, uint32_t b) { return cells.less(a, b); });
    return sorted;
  };
  auto extreme = [&](bool highest) -> std::optional<uint32_t> {
    std::optional<uint32_t> best;
    for (const uint32_t row : rows) {
      if (cells.null(row)) continue;
      if (!best || (highest ? cells.less(*best, row) : cells.less(row, *best))) best = row;
    }
    return best;
  };
  if (rows.empty()) return write_empty(kind, out, position);
  switch (kind) {
    case K::kCount:
      out.set<int32_t>(position, static_cast<int32_t>(rows.size()));
      return;
    case K::kSum:
    case K::kSumNotNull:
    case K::kAbsSum:
    case K::kSumAbs:
    case K::kPctSumParent:
    case K::kPctSumTotal: {
      double sum = 0;
      for (const uint32_t row : rows) {
        if (cells.null(row)) continue;
        sum += kind == K::kSumAbs ? std::fabs(cells.number(row)) : cells.number(row);
      }
      write_number(out, position, kind == K::kAbsSum ? std::fabs(sum) : sum);
      return;
    }
    case K::kAvg:
    case K::kVar:
    case K::kStddev: {
      // The sum for the mean; Welford's running mean and squared deviations for the
      // population variance, as the reference computes it (so its rounding agrees).
      double sum = 0, mean = 0, deviations = 0;
      size_t count = 0;
      for (const uint32_t row : rows) {
        if (cells.null(row)) continue;
        const double value = cells.number(row);
        sum += value;
        ++count;
        const double delta = value - mean;
        mean += delta / static_cast<double>(count);
        deviations += delta * (value - mean);
      }
      if (count == 0) return out.set_null(position);
      const double n = static_cast<double>(count);
      if (kind == K::kAvg) return write_number(out, position, sum / n);
      if (count < 2) return out.set_null(position);  // as the reference: no spread of one value
      const double variance = deviations / n;
      write_number(out, position, kind == K::kVar ? variance : std::sqrt(variance));
      return;
    }
    case K::kWeightedMean: {
      double weighted = 0, weights = 0;
      for (const uint32_t row : rows) {
        if (cells.null(row) || argument->is_null(row)) continue;
        const double weight = numeric_cell(*argument, row);
        weighted += cells.number(row) * weight;
        weights += weight;
      }
      if (weights == 0) return out.set_null(position);
      return write_number(out, position, weighted / weights);
    }
    case K::kAny: {
      // The first value, skipping nulls and (but for strings) zeros and false, as the
      // reference.
      auto found = std::find_if(rows.begin(), rows.end(), [&](uint32_t candidate) {
        if (cells.null(candidate)) return false;
        if constexpr (std::is_same_v<Storage, uint32_t>) {
          return true;
        } else {
          return cells.values[candidate] != Storage{};
        }
      });
      if (found != rows.end()) return cells.copy(*found, out, position);
      return write_zero(out, position);
    }
    case K::kHigh:
    case K::kLow: {
      // A null counts as the type's zero.
      const bool any_null =
          std::any_of(rows.begin(), rows.end(), [&](uint32_t row) { return cells.null(row); });
      auto row = extreme(kind == K::kHigh);
      if (!row) return write_zero(out, position);
      if constexpr (!std::is_same_v<Storage, uint32_t>) {
        const Storage zero = out.type() == DataType::kDate ? Storage(kZeroDate) : Storage{};
        const Storage best = cells.values[*row];
        if (any_null && (kind == K::kHigh ? zero > best : zero < best)) {
          return write_zero(out, position);
        }
      }
      return cells.copy(*row, out, position);
    }
    case K::kMax:
    case K::kMin: {
      // Null orders below every value, so one null is the minimum; max skips nulls.
      if (kind == K::kMin &&
          std::any_of(rows.begin(), rows.end(), [&](uint32_t row) { return cells.null(row); })) {
        return out.set_null(position);
      }
      if (auto row = extreme(kind == K::kMax)) return cells.copy(*row, out, position);
      return out.set_null(position);
    }
    case K::kHighMinusLow: {
      const bool any_null =
          std::any_of(rows.begin(), rows.end(), [&](uint32_t row) { return cells.null(row); });
      auto high = extreme(true), low = extreme(false);
      if (any_null || !high) return out.set_null(position);
      return write_number(out, position, cells.number(*high) - cells.number(*low));
    }
    case K::kFirst:
    case K::kLast:
    case K::kLastByIndex:
      if (rows.empty()) return out.set_null(position);
      return cells.copy(kind == K::kFirst ? rows.front() : rows.back(), out, position);
    case K::kLastMinusFirst:
      if (rows.empty() || cells.null(rows.front()) || cells.null(rows.back()))
        return out.set_null(position);
      return write_number(out, position, cells.number(rows.back()) - cells.number(rows.front()));
    case K::kMedian:
    case K::kQ1:
    case K::kQ3: {
      if (rows.empty()) return out.set_null(position);
      const std::vector<uint32_t> sorted = sorted_rows();
      const double fraction = kind == K::kMedian ? 0.5 : kind == K::kQ1 ? 0.25 : 0.75;
      const double at = fraction * static_cast<double>(sorted.size());
      const size_t index = std::min(static_cast<size_t>(at), sorted.size() - 1);
      // Floats between two middle values take their mean; other types take the upper one.
      if constexpr (std::is_same_v<Storage, double>) {
        if (at == std::floor(at) && index > 0) {
          const uint32_t low = sorted[index - 1], high = sorted[index];
          if (cells.null(low) || cells.null(high)) return out.set_null(position);
          return write_number(out, position, (cells.number(low) + cells.number(high)) / 2);
        }
      }
      return cells.copy(sorted[index], out, position);
    }
    case K::kDistinctCount: {
      // Hashes cells instead of sorting them: strings by dictionary code, no text compares.
      if (rows.empty()) return out.set_null(position);
      absl::flat_hash_set<Storage> seen;
      bool any_null = false;
      for (const uint32_t row : rows) {
        if (cells.null(row)) {
          any_null = true;
        } else {
          seen.insert(cells.values[row]);
        }
      }
      return out.set<int32_t>(position, static_cast<int32_t>(seen.size() + any_null));
    }
    case K::kUnique:
    case K::kDominant:
    case K::kJoin: {
      if (rows.empty() && kind != K::kUnique) return out.set_null(position);
      const std::vector<uint32_t> sorted = sorted_rows();
      // Runs of equal values in sorted order, as (first row of the run, length).
      std::vector<std::pair<uint32_t, size_t>> runs;
      for (const uint32_t row : sorted) {
        if (!runs.empty() && cells.equal(runs.back().first, row)) {
          ++runs.back().second;
        } else {
          runs.emplace_back(row, 1);
        }
      }
      if (kind == K::kUnique) {
        if (runs.empty()) return write_zero(out, position);
        if (runs.size() == 1) return cells.copy(runs[0].first, out, position);
        return out.set_null(position);
      }
      if (kind == K::kDominant) {
        // The most frequent value; ties go to a value over null, then to the smallest.
        // (The reference breaks ties in its hash map's order, which is not reproducible.)
        const std::pair<uint32_t, size_t>* best = nullptr;
        for (const auto& run : runs) {
          if (!best || run.second > best->second ||
              (run.second == best->second && cells.null(best->first))) {
            best = &run;
          }
        }
        return cells.copy(best->first, out, position);
      }
      std::string joined;
      for (const auto& run : runs) {
        if (!joined.empty()) joined += ", ";
        joined += cells.text(run.first);
      }
      return out.set<uint32_t>(position, out.mutable_dictionary().intern(joined));
    }
    case K::kMinBy:
    case K::kMaxBy: {
      if (rows.empty()) return out.set_null(position);
      // The row whose argument is lowest (null lowest of all) or highest.
      uint32_t best = rows.front();
      for (const uint32_t row : rows) {
        const bool best_null = argument->is_null(best), row_null = argument->is_null(row);
        if (kind == K::kMinBy) {
          if (best_null) continue;
          if (row_null || numeric_cell(*argument, row) < numeric_cell(*argument, best)) best = row;
        } else if (!row_null &&
                   (best_null || numeric_cell(*argument, row) > numeric_cell(*argument, best))) {
          best = row;
        }
      }
      return cells.copy(best, out, position);
    }
  }
}

}  // namespace

double numeric_cell(const Column& column, uint32_t row) {
  switch (column.type()) {
    case DataType::kFloat:
      return column.value<double>(row);
    case DataType::kInteger:
    case DataType::kDate:
      return column.value<int32_t>(row);
    case DataType::kDatetime:
      return static_cast<double>(column.value<int64_t>(row));
    case DataType::kBoolean:
      return column.value<uint8_t>(row);
    case DataType::kString:
      break;
  }
  return 0;
}

void write_number(Column& out, uint32_t position, double value) {
  if (std::isnan(value)) {
    out.set_null(position);
  } else if (out.type() == DataType::kFloat) {
    out.set<double>(position, value);
  } else if (out.type() == DataType::kInteger) {
    out.set<int32_t>(position, static_cast<int32_t>(static_cast<int64_t>(value)));
  } else if (out.type() == DataType::kDate) {
    out.set<int32_t>(position, static_cast<int32_t>(value));
  } else if (out.type() == DataType::kDatetime) {
    out.set<int64_t>(position, static_cast<int64_t>(value));
  }
}

void aggregate_rows(AggregateKind kind, const Column& input, const Column* argument,
                    std::span<const uint32_t> rows, Column& out, uint32_t position) {
  visit_type(input.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    aggregate_typed<Storage>(kind, Cells<Storage>(input), argument, rows, out, position);
  });
}

}  // namespace parallax
