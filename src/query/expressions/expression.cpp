#include "query/expressions/expression.h"

#include <cmath>

#include "query/expressions/evaluator.h"
#include "query/expressions/parser.h"
#include "query/expressions/type_checker.h"

namespace parallax {

using expressions::ExpressionError;
using expressions::Vector;

namespace {

// Copies the evaluated values into the output column's storage.
void store(const Vector& values, const std::vector<uint32_t>* rows, Column& out) {
  const size_t size = rows ? rows->size() : out.size();
  visit_type(out.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    for (size_t i = 0; i < size; ++i) {
      const size_t row = rows ? (*rows)[i] : i;
      if (!values.is_valid(i)) {
        out.set_null(row);
        continue;
      }
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        out.set<uint32_t>(row, out.mutable_dictionary().intern(values.string(i)));
      } else {
        const double value = values.number(i);
        if constexpr (std::is_same_v<Storage, double>) {
          // Non-finite results (0/0, log of a negative) are null, as in the reference.
          if (!std::isfinite(value)) {
            out.set_null(row);
            continue;
          }
        } else if constexpr (std::is_same_v<Storage, int32_t>) {
          if (!(value >= -2147483648.0 && value <= 2147483647.0)) {
            out.set_null(row);
            continue;
          }
        }
        out.set<Storage>(row, static_cast<Storage>(value));
      }
    }
  });
}

}  // namespace

Result<Expression> Expression::compile(std::string name, std::string text, const Schema& schema,
                                       ExpressionError* error_out) {
  ExpressionError error;
  auto fail = [&]() -> Status {
    if (error_out) *error_out = error;
    return Status::invalid("expression '{}': {} (line {}, column {})", name, error.message,
                           error.position.line, error.position.column);
  };
  if (schema.find(name)) {
    error = {"Value Error - expression \"" + name + "\" cannot overwrite an existing column.", {}};
    return fail();
  }
  expressions::NodePointer tree;
  if (!expressions::parse(text, tree, error)) return fail();
  Expression expression;
  if (!expressions::check_types(*tree, schema, expression.variable_count_, error)) return fail();
  expression.name_ = std::move(name);
  expression.text_ = std::move(text);
  expression.type_ = tree->type;
  expression.tree_ = std::move(tree);
  return expression;
}

Status Expression::compute(const Table& table, const std::vector<uint32_t>* rows, Column& out,
                           ExpressionBudget& budget) const {
  if (!rows) out.resize(table.num_rows());
  expressions::EvaluationContext context;
  context.size = rows ? rows->size() : table.num_rows();
  context.rows = rows;
  context.steps_left = budget.left;
  context.max_held_cells = budget.max_held_cells;
  const Vector values = expressions::evaluate(*tree_, variable_count_, table, context);
  budget.left = context.exhausted ? 0 : context.steps_left;
  if (context.exhausted) {
    const Vector nulls = Vector::make(type_, context.size, true);
    store(nulls, rows, out);
    if (context.held_too_many) {
      return Status::invalid(
          "expression '{}': evaluation stopped: it would hold more than {} cells at once "
          "(operands, branches or variables over {} rows)",
          name_, budget.max_held_cells, context.size);
    }
    return Status::invalid(
        "expression '{}': evaluation stopped after {} steps, the limit for {} rows (a loop "
        "that runs too long, or text that grows too much?)",
        name_, budget.total, context.size);
  }
  store(values, rows, out);
  return Status::ok();
}

ExpressionValidation validate_expressions(
    const Schema& schema, const std::vector<std::pair<std::string, std::string>>& expressions) {
  ExpressionValidation validation;
  for (const auto& [name, text] : expressions) {
    validation.aliases.emplace_back(name, text);
    ExpressionError error;
    auto compiled = Expression::compile(name, text, schema, &error);
    if (compiled.is_ok()) {
      validation.schema.push_back({name, compiled->type()});
    } else {
      validation.errors.push_back(
          {name, error.message, error.position.line, error.position.column});
    }
  }
  return validation;
}

}  // namespace parallax
