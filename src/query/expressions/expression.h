// A computed column of a view: a name, the text of an expression in the reference's
// language, and the type it evaluates to. Compiled once (parsed and type checked against
// the table's schema), then evaluated over all of a table's rows, or just the changed ones.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/column.h"
#include "core/table.h"
#include "query/expressions/lexer.h"
#include "query/expressions/limits.h"

namespace parallax {

namespace expressions {
struct Node;
}

class Expression {
 public:
  // The compiled expression, or an invalid Status (its message is `error`'s, which also
  // says where in the text the problem is).
  static Result<Expression> compile(std::string name, std::string text, const Schema& schema,
                                    expressions::ExpressionError* error = nullptr);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  DataType type() const { return type_; }

  // Evaluates the table's `rows` (all rows when null) into the same rows of `out`, a column
  // of type() that the caller keeps as long as the table has rows. Takes its steps from
  // `budget`; one that runs out leaves those rows null and answers why.
  Status compute(const Table& table, const std::vector<uint32_t>* rows, Column& out,
                 ExpressionBudget& budget) const;
  // The same with a budget of its own.
  Status compute(const Table& table, const std::vector<uint32_t>* rows, Column& out,
                 const ExpressionLimits& limits = {}) const {
    ExpressionBudget budget(limits, rows ? rows->size() : table.num_rows());
    return compute(table, rows, out, budget);
  }

 private:
  std::string name_, text_;
  DataType type_ = DataType::kFloat;
  std::shared_ptr<const expressions::Node> tree_;
  size_t variable_count_ = 0;
};

// The answer of the reference's table.validate_expressions: the type of each valid
// expression, an error (message, 0-based line and column) for each invalid one, and the
// text of every expression by name.
struct ExpressionValidation {
  struct Error {
    std::string name;
    std::string message;
    uint32_t line = 0;
    uint32_t column = 0;
  };
  std::vector<Field> schema;
  std::vector<Error> errors;
  std::vector<std::pair<std::string, std::string>> aliases;
};

ExpressionValidation validate_expressions(
    const Schema& schema, const std::vector<std::pair<std::string, std::string>>& expressions);

}  // namespace parallax
