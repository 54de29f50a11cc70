// Types a parsed expression against a table's schema: resolves columns, variables and
// functions, and rejects what cannot be evaluated (with the reference's messages where it
// has one), so evaluation cannot fail.
#pragma once

#include "core/schema.h"
#include "query/expressions/syntax_tree.h"

namespace parallax::expressions {

// Fills in every node's type and slot; `variable_count` is how many variable slots the
// expression uses. False with the first error otherwise.
bool check_types(Node& tree, const Schema& schema, size_t& variable_count, ExpressionError& error);

}  // namespace parallax::expressions
