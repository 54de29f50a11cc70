// The tree an expression parses to. The parser fills in the shape; the type checker then
// gives every node its result type and resolves names (columns, variables, functions,
// regular expressions), so evaluation never looks anything up by name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/data_type.h"
#include "query/expressions/lexer.h"

namespace re2 {
class RE2;
}

namespace parallax::expressions {

enum class NodeKind {
  kNumber,       // number literal
  kString,       // 'text'
  kBoolean,      // true / false
  kColumn,       // "name" or col('name')
  kVariable,     // a name declared with var
  kNegate,       // -x
  kArithmetic,   // + - * / % ^ (text holds the operator)
  kCompare,      // == != < <= > >=
  kLogical,      // and or xor nand nor (text holds the operator)
  kConditional,  // c ? a : b, if (c) {a} else {b}; children: condition, then, else
  kCall,         // a function call; children are the arguments
  kBlock,        // statements separated by ';', valued by the last
  kDeclare,      // var name := value (child: the value, absent for `var name;`)
  kAssign,       // name := value, name += value, ... (text: the operator)
  kFor,          // children: init, condition, step, body
  kWhile,        // children: condition, body
};

struct Function;
struct Operator;

struct Node {
  NodeKind kind;
  SourcePosition position;
  std::string text;  // operator, name, string value or column name
  double number = 0;
  std::vector<std::unique_ptr<Node>> children;

  // Filled in by the type checker.
  DataType type = DataType::kFloat;
  bool has_value = true;  // false for loops, which have no value
  size_t slot = 0;        // column position or variable slot
  const Function* function = nullptr;
  const Operator* operation = nullptr;    // binary operators and compound assignments (+=, ...)
  std::shared_ptr<const re2::RE2> regex;  // the pattern argument of regex functions
  std::vector<std::string> literals;      // order()'s list, bucket()'s unit

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  // Frees the subtree with a work list: a recursive unique_ptr chain as deep as a long
  // `1+1+...` would overflow the stack (the parser refuses such trees, but it builds them first).
  ~Node() {
    std::vector<std::unique_ptr<Node>> pending = std::move(children);
    while (!pending.empty()) {
      std::unique_ptr<Node> node = std::move(pending.back());
      pending.pop_back();
      if (!node) continue;  // a failed parse leaves empty children
      for (auto& child : node->children) pending.push_back(std::move(child));
      node->children.clear();
    }
  }
};

using NodePointer = std::unique_ptr<Node>;

}  // namespace parallax::expressions
