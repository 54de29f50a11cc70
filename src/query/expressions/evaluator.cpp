#include "query/expressions/evaluator.h"

#include "query/expressions/limits.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace parallax::expressions {

namespace {

// A loop stops after this many rounds, whatever its condition; the evaluation budget
// (ExpressionLimits) bounds the work of all loops together.
constexpr size_t kMaxLoopRounds = 100'000;

bool truthy(const Vector& v, size_t row) {
  return v.is_valid(row) && v.number(row) != 0;
}

// Counts cells as held while it lives: an operand kept while its sibling is evaluated, the
// masks of a branch or loop. Right-nested operands over a big table hold a column per level.
class Held {
 public:
  Held(EvaluationContext& context, uint64_t cells) : context_(context) { add(cells); }
  ~Held() { context_.release(cells_); }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  void add(uint64_t cells) {
    cells_ += cells;
    context_.hold(cells);
  }

 private:
  EvaluationContext& context_;
  uint64_t cells_ = 0;
};

class Evaluator {
 public:
  Evaluator(const Table& table, EvaluationContext& context, size_t variable_count)
      : table_(table), context_(context), variables_(variable_count) {}

  Vector evaluate(const Node& node) {
    // Every node costs its rows and its fixed overhead; past the budget the rest of the tree
    // is null (a constant: nothing more is computed) and the caller reports it as stopped.
    if (!context_.charge(context_.size + kNodeSteps)) {
      return Vector::make(node.type, context_.size, true);
    }
    switch (node.kind) {
      case NodeKind::kNumber:
      case NodeKind::kBoolean: {
        Vector out = Vector::make(node.type, 1, true);
        out.set(0, node.number);
        return out;
      }
      case NodeKind::kString: {
        Vector out = Vector::make(DataType::kString, 1, true);
        out.set(0, std::string_view(node.text));
        return out;
      }
      case NodeKind::kColumn:
        return column(node);
      case NodeKind::kVariable:
        return variables_[node.slot];
      case NodeKind::kNegate: {
        Vector out = evaluate(*node.children[0]);
        for (double& value : out.numbers) value = -value;
        out.type = node.type;
        return out;
      }
      case NodeKind::kArithmetic:
      case NodeKind::kCompare:
      case NodeKind::kLogical: {
        const auto [a, b] = operands(node);
        return node.operation->kernel(a, b, node.type, context_.size);
      }
      case NodeKind::kConditional:
        return conditional(node);
      case NodeKind::kCall: {
        std::vector<Vector> arguments;
        arguments.reserve(node.children.size());
        Held held(context_, 0);
        for (const auto& child : node.children) {
          arguments.push_back(evaluate(*child));
          held.add(arguments.back().valid.size());
        }
        if (context_.exhausted) return Vector::make(node.type, context_.size, true);
        const uint64_t bytes_before = context_.arena.bytes();
        Vector out = node.function->kernel(node, arguments, context_);
        // Text a function makes counts too: a string doubled each round grows without end.
        context_.charge(context_.arena.bytes() - bytes_before);
        return out;
      }
      case NodeKind::kBlock: {
        Vector value;
        for (const auto& child : node.children) value = evaluate(*child);
        return value;
      }
      case NodeKind::kDeclare: {
        Vector value;
        if (node.children.empty()) {
          value = Vector::make(DataType::kFloat, 1, true);
          value.set(0, 0.0);
        } else {
          value = evaluate(*node.children[0]);
        }
        assign(node.slot, std::move(value));
        return variables_[node.slot];
      }
      case NodeKind::kAssign:
        return assignment(node);
      case NodeKind::kFor:
      case NodeKind::kWhile:
        loop(node);
        return Vector::make(DataType::kFloat, context_.size, true);
    }
    return Vector::make(node.type, context_.size, true);
  }

 private:
  Vector column(const Node& node) {
    const Column& column = table_.column(node.slot);
    const size_t size = context_.size;
    const std::vector<uint32_t>* rows = context_.rows;
    Vector out = Vector::make(node.type, size, false);
    for (size_t i = 0; i < size; ++i) {
      out.valid[i] = column.is_valid(rows ? (*rows)[i] : i) ? kValid : kNull;
    }
    visit_type(column.type(), [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      const auto& values = column.values<Storage>();
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        const StringDictionary& dictionary = column.dictionary();
        for (size_t i = 0; i < size; ++i) {
          if (out.valid[i] == kValid) out.strings[i] = dictionary.at(values[rows ? (*rows)[i] : i]);
        }
      } else if (rows) {
        for (size_t i = 0; i < size; ++i) out.numbers[i] = static_cast<double>(values[(*rows)[i]]);
      } else {
        double* numbers = out.numbers.data();
        const Storage* source = values.data();
        for (size_t i = 0; i < size; ++i) numbers[i] = static_cast<double>(source[i]);
      }
    });
    return out;
  }

  // The two operands of a binary node, the first held while the second is evaluated.
  std::pair<Vector, Vector> operands(const Node& node) {
    Vector a = evaluate(*node.children[0]);
    Held held(context_, a.valid.size());
    Vector b = evaluate(*node.children[1]);
    return {std::move(a), std::move(b)};
  }

  // Both branches run, each under the mask of the rows that take it; a null condition
  // takes the first branch, as in the reference.
  Vector conditional(const Node& node) {
    const Vector condition = evaluate(*node.children[0]);
    std::vector<uint8_t> takes_then(context_.size);
    for (size_t row = 0; row < context_.size; ++row) {
      takes_then[row] = !condition.is_valid(row) || condition.number(row) != 0;
    }
    const std::vector<uint8_t> outer = active_;
    Held held(context_, condition.valid.size() + 2 * context_.size);  // with the masks
    active_ = mask_with(outer, takes_then, true);
    Vector then = evaluate(*node.children[1]);
    held.add(then.valid.size());
    active_ = mask_with(outer, takes_then, false);
    Vector otherwise = evaluate(*node.children[2]);
    active_ = outer;
    return choose(then, otherwise, takes_then, node.type);
  }

  // Row by row, `first` where `take_first` is set, else `second` (nulls keep their kind).
  Vector choose(const Vector& first, const Vector& second, const std::vector<uint8_t>& take_first,
                DataType type) const {
    Vector out = Vector::make(type, context_.size, false);
    for (size_t row = 0; row < context_.size; ++row) {
      const Vector& source = take_first[row] ? first : second;
      if (!source.is_valid(row)) {
        out.valid[row] = source.valid[source.at(row)];
      } else if (type == DataType::kString) {
        out.set(row, source.string(row));
      } else {
        out.set(row, source.number(row));
      }
    }
    return out;
  }

  std::vector<uint8_t> mask_with(const std::vector<uint8_t>& outer,
                                 const std::vector<uint8_t>& selected, bool want) const {
    std::vector<uint8_t> mask(context_.size);
    for (size_t row = 0; row < context_.size; ++row) {
      mask[row] = (outer.empty() || outer[row]) && (selected[row] != 0) == want;
    }
    return mask;
  }

  Vector assignment(const Node& node) {
    Vector value = evaluate(*node.children[0]);
    if (node.operation != nullptr) {  // +=, -=, *=, /=, %=
      value = node.operation->kernel(variables_[node.slot], value, DataType::kFloat, context_.size);
    }
    value.type = node.type;
    assign(node.slot, std::move(value));
    return variables_[node.slot];
  }

  // Sets a variable in the active rows only.
  void assign(size_t slot, Vector value) {
    Vector& variable = variables_[slot];
    // Variables hold their cells to the end of the evaluation.
    context_.release(variable.valid.size());
    context_.hold(std::max(value.valid.size(), variable.valid.size()));
    if (active_.empty() || variable.valid.empty()) {
      variable = std::move(value);
      return;
    }
    variable = choose(value, variable, active_, value.type);
  }

  // for (init; condition; step) { body } and while (condition) { body }, row by row: a row
  // leaves the loop when its condition fails; the loop ends when every row has left.
  void loop(const Node& node) {
    const bool is_for = node.kind == NodeKind::kFor;
    if (is_for) evaluate(*node.children[0]);
    const Node& condition = *node.children[is_for ? 1 : 0];
    const Node& body = *node.children[is_for ? 3 : 1];
    const std::vector<uint8_t> outer = active_;
    std::vector<uint8_t> running(context_.size, 1);
    Held held(context_, 2 * context_.size);  // the masks
    for (size_t round = 0; round < kMaxLoopRounds && !context_.exhausted; ++round) {
      const Vector test = evaluate(condition);
      bool any = false;
      for (size_t row = 0; row < context_.size; ++row) {
        running[row] = running[row] && (outer.empty() || outer[row]) && truthy(test, row);
        any = any || running[row];
      }
      if (!any) break;
      active_ = running;
      evaluate(body);
      if (is_for) evaluate(*node.children[2]);
      active_ = outer;
    }
    active_ = outer;
  }

  const Table& table_;
  EvaluationContext& context_;
  std::vector<Vector> variables_;
  std::vector<uint8_t> active_;  // rows that statements change; empty: every row
};

}  // namespace

Vector evaluate(const Node& tree, size_t variable_count, const Table& table,
                EvaluationContext& context) {
  Evaluator evaluator(table, context, variable_count);
  return evaluator.evaluate(tree);
}

}  // namespace parallax::expressions
