// What one evaluation of an expression may spend, so that no expression (a loop bomb, text
// that doubles each round) can hold the engine's thread for long or take its memory. A step
// is one row through one node of the tree, plus kNodeSteps for each node evaluated (its
// fixed cost: a loop round over 1,000 rows costs 1,016 steps per node of its body), plus one
// per byte of text a function makes. An evaluation over `rows` rows may spend
// steps + steps_per_row * rows; past that it stops with an error (docs/differences.md).
#pragma once

#include <cstddef>
#include <cstdint>

namespace parallax {

inline constexpr uint64_t kNodeSteps = 16;

struct ExpressionLimits {
  uint64_t steps = 20'000'000;
  uint64_t steps_per_row = 2'000;
  // Cells (one row of one vector: 9 bytes for numbers, 17 for text) that an evaluation may
  // keep at once: operands held while their siblings are evaluated, variables, the masks
  // of branches and loops. 256M cells is 2.3 to 4.3 GB.
  uint64_t held_cells = 256'000'000;

  uint64_t budget(size_t rows) const { return steps + steps_per_row * rows; }
  bool operator==(const ExpressionLimits&) const = default;
};

// One evaluation's budget, shared by every expression of a view: a view of 256 expressions
// just under the limit each would otherwise hold the engine 256 times as long.
struct ExpressionBudget {
  uint64_t total;
  uint64_t left;

  uint64_t max_held_cells;

  ExpressionBudget(const ExpressionLimits& limits, size_t rows)
      : total(limits.budget(rows)), left(total), max_held_cells(limits.held_cells) {}
};

}  // namespace parallax
