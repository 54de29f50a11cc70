// Aggregates over the runs of equal values in a group: distinct count, unique, dominant, join.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "query/aggregates/kernels.h"

namespace parallax::aggregates {

namespace {

// Runs of equal values in sorted order (nulls first), as (first row of the run, length).
template <typename Cells>
std::vector<std::pair<uint32_t, size_t>> runs_of(const Cells& cells,
                                                 std::span<const uint32_t> rows) {
  std::vector<uint32_t> sorted(rows.begin(), rows.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](uint32_t a, uint32_t b) { return cells.less(a, b); });
  std::vector<std::pair<uint32_t, size_t>> runs;
  for (const uint32_t row : sorted) {
    if (!runs.empty() && cells.equal(runs.back().first, row)) {
      ++runs.back().second;
    } else {
      runs.emplace_back(row, 1);
    }
  }
  return runs;
}

}  // namespace

// Hashes cells instead of sorting them: strings by dictionary code, no text compares. A null
// is one more distinct value.
void distinct_count(const AggregateDescriptor&, const Column& input, const Column*,
                    std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    using Storage = typename std::decay_t<decltype(cells)>::Storage;
    absl::flat_hash_set<Storage> seen;
    bool any_null = false;
    for (const uint32_t row : rows) {
      if (cells.null(row)) {
        any_null = true;
      } else {
        seen.insert(cells.values[row]);
      }
    }
    out.set<int32_t>(position, static_cast<int32_t>(seen.size() + any_null));
  });
}

// The value when every row holds the same one, else null.
void unique_value(const AggregateDescriptor&, const Column& input, const Column*,
                  std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    const auto runs = runs_of(cells, rows);
    if (runs.size() == 1) return cells.copy(runs[0].first, out, position);
    out.set_null(position);
  });
}

// The most frequent value, each null counted as a value of its own (seen once); ties go to
// the smallest, null smallest of all (the runs' order): as the reference's fresh views.
void dominant(const AggregateDescriptor&, const Column& input, const Column*,
              std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    const auto runs = runs_of(cells, rows);
    const std::pair<uint32_t, size_t>* best = nullptr;
    size_t best_count = 0;
    for (const auto& run : runs) {
      const size_t count = cells.null(run.first) ? 1 : run.second;
      if (count > best_count) best = &run, best_count = count;
    }
    cells.copy(best->first, out, position);
  });
}

// The distinct values in order, ", "-separated (null as "null").
void join_text(const AggregateDescriptor&, const Column& input, const Column*,
               std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    std::string joined;
    for (const auto& run : runs_of(cells, rows)) {
      if (!joined.empty()) joined += ", ";
      joined += cells.text(run.first);
    }
    out.set<uint32_t>(position, out.mutable_dictionary().intern(joined));
  });
}

}  // namespace parallax::aggregates
