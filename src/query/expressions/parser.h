// Parses expression text into a syntax tree (untyped; see type_checker.h). The grammar is
// the reference's (an ExprTk dialect): statements separated by ';', `var x := e`, assignments,
// if/else, for, while, `c ? a : b`, and/or/xor, comparisons, + - * / % ^, calls.
#pragma once

#include <string_view>

#include "query/expressions/syntax_tree.h"

namespace parallax::expressions {

// The tree, or the first syntax error with its position.
bool parse(std::string_view text, NodePointer& tree, ExpressionError& error);

}  // namespace parallax::expressions
