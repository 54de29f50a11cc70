// Evaluates a typed expression tree over many rows at once: each node yields a Vector for
// all the rows, computed by a typed loop (arithmetic and comparisons) or a function's kernel.
// Statements run under a mask of active rows, so `if` branches and loops assign variables
// only in the rows that reach them.
#pragma once

#include "core/table.h"
#include "query/expressions/functions.h"
#include "query/expressions/syntax_tree.h"
#include "query/expressions/vector.h"

namespace parallax::expressions {

// The value of `tree` (typed by check_types) for context.rows of `table` (or all its rows).
Vector evaluate(const Node& tree, size_t variable_count, const Table& table,
                EvaluationContext& context);

}  // namespace parallax::expressions
