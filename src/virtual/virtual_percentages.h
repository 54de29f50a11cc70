// pct sum parent and pct sum total on virtual tables. A share needs another group's sum (the
// parent's, the totals row's), which one group's SQL cannot see: the database sends each
// cell's own sum (sql_compiler.h) and the shares are computed here from the view's tree, as
// the engine's GroupedMeasures::write_percentages computes them.
#pragma once

#include <cstdint>
#include <span>

#include "core/column.h"
#include "query/aggregate.h"

namespace parallax {

// Turns the sums in `cells` ([combination]: one float cell per node, node 0 the totals row)
// into percentages of `kind`. `parents[node]` is its parent node (the totals row's: 0).
// Without split_by (`split` false, one combination): each group's sum over its parent's (pct
// sum parent) or the totals row's (pct sum total), null over a zero sum, and the totals row's
// pct sum parent 100 even of a zero sum or no rows. With split_by: a null cell has no rows and
// stays null; a cell's parent is the same group summed over the combinations of its parent
// column (`column_parents[combination]`, one per combination: combinations that share every split
// value but the last, all of them with one split level), and pct sum total divides by the totals
// row's sum over every combination; sums across combinations are added in combination order, as the
// engine adds them.
void write_percentages(AggregateKind kind, bool split, std::span<const uint32_t> parents,
                       std::span<const uint32_t> column_parents, std::span<Column* const> cells);

}  // namespace parallax
