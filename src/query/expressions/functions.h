// The reference's expression functions and operators: for each function, how many arguments
// it takes, the check that types a call (and prepares its literal arguments: regular
// expressions, bucket units) and the kernel that computes it over whole vectors. The
// functions' tables are in functions/ by family, the operators' in operators.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "query/expressions/syntax_tree.h"
#include "query/expressions/vector.h"

namespace parallax::expressions {

// What a kernel may need besides its arguments.
struct EvaluationContext {
  size_t size = 0;                              // rows evaluated
  const std::vector<uint32_t>* rows = nullptr;  // their table rows; nullptr: 0..size-1
  StringArena arena;
  // Steps this evaluation may still take (see ExpressionLimits); once they run out, every
  // node left evaluates to null and `exhausted` tells the caller the values are not good.
  uint64_t steps_left = UINT64_MAX;
  bool exhausted = false;
  // Cells of vectors kept while other nodes are evaluated, and how many may be.
  uint64_t held_cells = 0;
  uint64_t max_held_cells = UINT64_MAX;
  bool held_too_many = false;

  // Takes `steps` from the budget; false (and exhausted) when it does not have them.
  bool charge(uint64_t steps) {
    if (exhausted || steps > steps_left) {
      exhausted = true;
      return false;
    }
    steps_left -= steps;
    return true;
  }
  void hold(uint64_t cells) {
    held_cells += cells;
    if (held_cells > max_held_cells) held_too_many = exhausted = true;
  }
  void release(uint64_t cells) { held_cells -= cells; }
};

// Any number of arguments (Function::max_arguments).
inline constexpr size_t kAnyCount = SIZE_MAX;

struct Function {
  std::string_view name;
  size_t min_arguments = 1;
  size_t max_arguments = 1;  // kAnyCount: any number
  // Types the call from its typed arguments; answers false with a message when it can't.
  bool (*check)(Node& call, std::string& error) = nullptr;
  Vector (*kernel)(const Node& call, std::vector<Vector>& arguments,
                   EvaluationContext& context) = nullptr;
};

// nullptr when no function has that name.
const Function* find_function(std::string_view name);
// Every function, in the order of their families' tables.
std::vector<const Function*> all_functions();
// A name given to two functions, or "" (the unit tests check the tables with it).
std::string_view duplicate_function_name();

// The binary operators: + - * / % ^, == != < <= > >=, and or xor nand nor. The parser's
// grammar gives their precedence and spellings ("=", "<>", "&&", "||"); the type checker
// resolves each operator node to its row (Node::operation), and the evaluator runs its
// kernel over the two operands' vectors.
struct Operator {
  std::string_view text;
  NodeKind kind;  // kArithmetic, kCompare or kLogical: the type rule and the result type
  Vector (*kernel)(const Vector& a, const Vector& b, DataType type, size_t size);
  bool refuses_zero_literal = false;  // '/': a column divided by a literal 0 is refused
};

// nullptr when `text` is no operator of that kind.
const Operator* find_operator(NodeKind kind, std::string_view text);

inline bool is_numeric(DataType type) {
  return type == DataType::kInteger || type == DataType::kFloat || type == DataType::kBoolean;
}

}  // namespace parallax::expressions
