#include "query/expressions/type_checker.h"

#include <string>

#include <absl/container/flat_hash_map.h>

#include "query/expressions/functions.h"

namespace parallax::expressions {

namespace {

constexpr std::string_view kTypeError = "Type Error - inputs do not resolve to a valid expression";

class TypeChecker {
 public:
  explicit TypeChecker(const Schema& schema) : schema_(schema) {}

  bool check(Node& node) {
    switch (node.kind) {
      case NodeKind::kNumber:
        node.type = DataType::kFloat;
        return true;
      case NodeKind::kString:
        node.type = DataType::kString;
        return true;
      case NodeKind::kBoolean:
        node.type = DataType::kBoolean;
        return true;
      case NodeKind::kColumn:
        return column(node);
      case NodeKind::kVariable: {
        auto found = variables_.find(node.text);
        if (found == variables_.end()) return fail(node, "Undefined symbol: '" + node.text + "'");
        node.slot = found->second.slot;
        node.type = found->second.type;
        return true;
      }
      case NodeKind::kNegate:
        if (!check_children(node)) return false;
        if (!is_numeric(node.children[0]->type)) {
          return type_error(node, "'-' takes a number, not " + type_of(*node.children[0]));
        }
        node.type =
            node.children[0]->type == DataType::kInteger ? DataType::kInteger : DataType::kFloat;
        return true;
      case NodeKind::kArithmetic:
      case NodeKind::kLogical:
        if (!check_children(node)) return false;
        for (const auto& child : node.children) {
          // Boolean columns take no part in arithmetic (comparisons' results do).
          const bool boolean_column =
              child->kind == NodeKind::kColumn && child->type == DataType::kBoolean;
          if (!is_numeric(child->type) || (node.kind == NodeKind::kArithmetic && boolean_column)) {
            return type_error(node, "'" + node.text + "' cannot take " +
                                        type_of(*node.children[0]) + " and " +
                                        type_of(*node.children[1]));
          }
        }
        if (!resolve_operator(node, node.text)) return false;
        // As the reference: a column divided by a literal zero is refused.
        if (node.operation->refuses_zero_literal && node.children[1]->kind == NodeKind::kNumber &&
            node.children[1]->number == 0 && node.children[0]->kind != NodeKind::kNumber) {
          return type_error(node, "division by zero");
        }
        node.type = node.kind == NodeKind::kArithmetic ? DataType::kFloat : DataType::kBoolean;
        return true;
      case NodeKind::kCompare: {
        if (!check_children(node)) return false;
        const DataType left = node.children[0]->type, right = node.children[1]->type;
        if (!(left == right || (is_numeric(left) && is_numeric(right)))) {
          return type_error(node, "'" + node.text + "' cannot compare " +
                                      type_of(*node.children[0]) + " with " +
                                      type_of(*node.children[1]));
        }
        node.type = DataType::kBoolean;
        return resolve_operator(node, node.text);
      }
      case NodeKind::kConditional:
        return conditional(node);
      case NodeKind::kCall:
        return call(node);
      case NodeKind::kBlock:
        if (!check_children(node)) return false;
        node.type = node.children.back()->type;
        node.has_value = node.children.back()->has_value;
        return true;
      case NodeKind::kDeclare: {
        if (variables_.contains(node.text)) {
          return fail(node, "Illegal redefinition of variable '" + node.text + "'");
        }
        if (!check_children(node)) return false;
        node.type = node.children.empty() ? DataType::kFloat : node.children[0]->type;
        if (!node.children.empty() && !node.children[0]->has_value) {
          return type_error(node, "'" + node.text + "' is given a statement without a value");
        }
        node.slot = variable_count_++;
        variables_[node.text] = {node.slot, node.type};
        return true;
      }
      case NodeKind::kAssign: {
        auto found = variables_.find(node.text);
        if (found == variables_.end()) return fail(node, "Undefined symbol: '" + node.text + "'");
        if (!check_children(node)) return false;
        const DataType variable = found->second.type, value = node.children[0]->type;
        const bool compound = node.literals[0] != ":=";
        if (compound ? !(is_numeric(variable) && is_numeric(value))
                     : !(variable == value || (is_numeric(variable) && is_numeric(value)))) {
          return type_error(node, "cannot assign " + type_of(*node.children[0]) + " to '" +
                                      node.text + "' of type " + std::string(type_name(variable)));
        }
        node.slot = found->second.slot;
        node.type = variable;
        // x += y is x + y: the arithmetic operator of its first character.
        return !compound ||
               resolve_operator(node, node.literals[0].substr(0, 1), NodeKind::kArithmetic);
      }
      case NodeKind::kFor:
      case NodeKind::kWhile: {
        if (!check_children(node)) return false;
        const Node& condition = *node.children[node.kind == NodeKind::kFor ? 1 : 0];
        if (!is_numeric(condition.type))
          return type_error(node, "a loop condition must be boolean");
        node.has_value = false;
        return true;
      }
    }
    return fail(node, "unknown expression");
  }

 private:
  struct Variable {
    size_t slot;
    DataType type;
  };

  static std::string type_of(const Node& node) { return std::string(type_name(node.type)); }

  bool fail(const Node& node, std::string message) {
    error_ = {std::move(message), node.position};
    return false;
  }
  bool type_error(const Node& node, const std::string& detail) {
    return fail(node, std::string(kTypeError) + ": " + detail);
  }

  bool resolve_operator(Node& node, std::string_view text) {
    return resolve_operator(node, text, node.kind);
  }
  bool resolve_operator(Node& node, std::string_view text, NodeKind kind) {
    node.operation = find_operator(kind, text);
    if (node.operation == nullptr)
      return fail(node, "unknown operator '" + std::string(text) + "'");
    return true;
  }

  bool check_children(Node& node) {
    for (auto& child : node.children) {
      if (!check(*child)) return false;
    }
    return true;
  }

  bool column(Node& node) {
    auto position = schema_.find(node.text);
    if (!position) {
      return fail(node, "Value Error - Input column \"" + node.text + "\" does not exist.");
    }
    node.slot = *position;
    node.type = schema_.field(*position).type;
    return true;
  }

  bool conditional(Node& node) {
    if (!check_children(node)) return false;
    if (!is_numeric(node.children[0]->type)) {
      return type_error(node, "a condition must be boolean, not " + type_of(*node.children[0]));
    }
    if (node.children.size() < 3) return type_error(node, "an if without an else has no value");
    const Node& then = *node.children[1];
    const Node& otherwise = *node.children[2];
    if (!then.has_value || !otherwise.has_value) {
      return type_error(node, "both branches of a condition need a value");
    }
    if (then.type == otherwise.type) {
      node.type = then.type;
    } else if (is_numeric(then.type) && is_numeric(otherwise.type)) {
      node.type = DataType::kFloat;
    } else {
      return type_error(node, "the branches give " + type_of(then) + " and " + type_of(otherwise));
    }
    return true;
  }

  bool call(Node& node) {
    if (node.text == "col") {
      // col('name') is "name".
      if (node.children.size() != 1 || node.children[0]->kind != NodeKind::kString) {
        return type_error(node, "col() takes one column name in single quotes");
      }
      node.kind = NodeKind::kColumn;
      node.text = node.children[0]->text;
      node.children.clear();
      return column(node);
    }
    const Function* function = find_function(node.text);
    if (function == nullptr) return fail(node, "Undefined symbol: '" + node.text + "'");
    const size_t count = node.children.size();
    if (count < function->min_arguments || count > function->max_arguments) {
      return type_error(node, node.text + "() does not take " + std::to_string(count) +
                                  " argument" + (count == 1 ? "" : "s"));
    }
    if (!check_children(node)) return false;
    for (const auto& child : node.children) {
      if (!child->has_value) return type_error(node, node.text + "() is given a statement");
    }
    node.function = function;
    std::string message;
    if (!function->check(node, message)) return type_error(node, message);
    return true;
  }

  const Schema& schema_;
  absl::flat_hash_map<std::string, Variable> variables_;

 public:
  size_t variable_count_ = 0;
  ExpressionError error_;
};

}  // namespace

bool check_types(Node& tree, const Schema& schema, size_t& variable_count, ExpressionError& error) {
  TypeChecker checker(schema);
  if (!checker.check(tree)) {
    error = checker.error_;
    return false;
  }
  if (!tree.has_value) {
    error = {std::string(kTypeError) + ": the expression ends without a value", tree.position};
    return false;
  }
  variable_count = checker.variable_count_;
  return true;
}

}  // namespace parallax::expressions
