#include "virtual/virtual_percentages.h"

#include <algorithm>
#include <vector>

#include "query/aggregate_rows.h"

namespace parallax {

namespace {

// A cell's sum as sent: a null (no rows) counts as a sum of 0.
double sum_of(const Column& cells, uint32_t node) {
  return cells.is_null(node) ? 0 : cells.value<double>(node);
}

}  // namespace

void write_percentages(AggregateKind kind, bool split, std::span<const uint32_t> parents,
                       std::span<const uint32_t> column_parents, std::span<Column* const> cells) {
  const bool of_parent = descriptor(kind).percentage == Percentage::kOfParent;
  const auto nodes = static_cast<uint32_t>(parents.size());
  if (!split) {
    // Children before their parents (a parent comes before its children in the tree), so
    // every denominator is still a sum when it is read; no copy of the sums is kept.
    Column& out = *cells[0];
    const double total = nodes == 0 ? 0 : sum_of(out, 0);
    for (uint32_t node = nodes; node-- > 0;) {
      const double denominator = of_parent ? sum_of(out, parents[node]) : total;
      // Over a zero sum: null, never an infinity (as the engine and the reference).
      if (node == 0 && of_parent) {
        write_number(out, node, 100);  // even of a zero sum or no rows
      } else if (denominator == 0) {
        out.set_null(node);
      } else {
        write_number(out, node, sum_of(out, node) / denominator * 100.0);
      }
    }
    return;
  }
  // across[parent column][node]: pct sum parent's denominators; grand: pct sum total's. Both
  // are read before any cell is written.
  size_t num_parents = 0;
  for (const uint32_t parent : column_parents)
    num_parents = std::max<size_t>(num_parents, parent + 1);
  std::vector<std::vector<double>> across(of_parent ? num_parents : 0,
                                          std::vector<double>(nodes, 0));
  double grand = 0;
  for (size_t combo = 0; combo < cells.size(); ++combo) {
    if (!of_parent) {
      if (nodes > 0) grand += sum_of(*cells[combo], 0);
      continue;
    }
    std::vector<double>& to = across[column_parents[combo]];
    for (uint32_t node = 0; node < nodes; ++node) to[node] += sum_of(*cells[combo], node);
  }
  for (size_t combo = 0; combo < cells.size(); ++combo) {
    Column& out = *cells[combo];
    for (uint32_t node = 0; node < nodes; ++node) {
      if (out.is_null(node)) continue;  // no rows in this combination
      const double denominator = of_parent ? across[column_parents[combo]][node] : grand;
      if (denominator == 0) {
        out.set_null(node);
      } else {
        write_number(out, node, sum_of(out, node) / denominator * 100.0);
      }
    }
  }
}

}  // namespace parallax
