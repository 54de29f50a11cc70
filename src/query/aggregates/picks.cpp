// One row picked by its place in the group's walk (first, last, any) or by another column
// (min by, max by).
#include <algorithm>

#include "query/aggregate_rows.h"
#include "query/aggregates/kernels.h"

namespace parallax::aggregates {

// The first value, skipping nulls and (but for strings) zeros and false, as the reference.
void any_value(const AggregateDescriptor&, const Column& input, const Column*,
               std::span<const uint32_t> rows, Column& out, uint32_t position) {
  with_cells(input, [&](const auto& cells) {
    using Storage = typename std::decay_t<decltype(cells)>::Storage;
    auto found = std::find_if(rows.begin(), rows.end(), [&](uint32_t candidate) {
      if (cells.null(candidate)) return false;
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        return true;
      } else {
        return cells.values[candidate] != Storage{};
      }
    });
    if (found != rows.end()) return cells.copy(*found, out, position);
    write_zero(out, position);
  });
}

void first(const AggregateDescriptor&, const Column& input, const Column*,
           std::span<const uint32_t> rows, Column& out, uint32_t position) {
  out.set_from(position, input, rows.front());
}

// last and last by index: the rows come in the order that makes the last one the answer.
void last(const AggregateDescriptor&, const Column& input, const Column*,
          std::span<const uint32_t> rows, Column& out, uint32_t position) {
  out.set_from(position, input, rows.back());
}

void last_minus_first(const AggregateDescriptor&, const Column& input, const Column*,
                      std::span<const uint32_t> rows, Column& out, uint32_t position) {
  if (input.is_null(rows.front()) || input.is_null(rows.back())) return out.set_null(position);
  write_number(out, position, numeric_cell(input, rows.back()) - numeric_cell(input, rows.front()));
}

// The row whose argument is lowest, null lowest of all (the first such row).
void min_by(const AggregateDescriptor&, const Column& input, const Column* argument,
            std::span<const uint32_t> rows, Column& out, uint32_t position) {
  uint32_t best = rows.front();
  for (const uint32_t row : rows) {
    if (argument->is_null(best)) continue;
    if (argument->is_null(row) || numeric_cell(*argument, row) < numeric_cell(*argument, best))
      best = row;
  }
  out.set_from(position, input, best);
}

// The row whose argument is highest, skipping nulls (the first such row).
void max_by(const AggregateDescriptor&, const Column& input, const Column* argument,
            std::span<const uint32_t> rows, Column& out, uint32_t position) {
  uint32_t best = rows.front();
  for (const uint32_t row : rows) {
    if (argument->is_null(row)) continue;
    if (argument->is_null(best) || numeric_cell(*argument, row) > numeric_cell(*argument, best))
      best = row;
  }
  out.set_from(position, input, best);
}

}  // namespace parallax::aggregates
