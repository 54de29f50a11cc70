// Parses expression text into a syntax tree (untyped; see type_checker.h). The grammar is
// the reference's (an ExprTk dialect): statements separated by ';', `var x := e`, assignments,
// if/else, for, while, `c ? a : b`, and/or/xor, comparisons, + - * / % ^, calls.
#pragma once

#include <string_view>

#include "query/expressions/syntax_tree.h"

namespace parallax::expressions {

// How deeply an expression may nest: brackets, calls, prefix operators, `?:` and `^` in the
// parser, and the depth of the tree it builds (a chain of 1000 `+` is 1000 deep). Every later
// walk of the tree (type checker, evaluator) recurses once per level, so this bounds their
// stack too; see docs/expressions.md for how it was chosen.
inline constexpr size_t kMaxNesting = 1000;
// The longest expression text (1 MiB): its tokens and tree take some 100 bytes per byte.
inline constexpr size_t kMaxTextBytes = 1 << 20;

// The tree, or the first syntax error with its position.
bool parse(std::string_view text, NodePointer& tree, ExpressionError& error);

}  // namespace parallax::expressions
