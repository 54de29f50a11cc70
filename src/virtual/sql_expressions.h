// A view's expression columns (the reference's expression language, query/expressions) as
// SQL, for virtual tables: each expression is parsed and type checked as the engine does
// (same errors), then its tree is written as one SQL expression over the table's columns
// that gives the engine's cells: arithmetic in doubles (IEEE: a division by zero is an
// infinity or NaN inside the expression, a null cell of the column), a null operand making
// a null result, nulls below every value and equal to each other in comparisons, and false in
// boolean logic. What has no exact SQL is refused by name (Status unsupported): variables and
// statements, regular expressions, the functions of text formatting and of the moment.
#pragma once

#include <span>
#include <string>

#include "common/status.h"
#include "core/schema.h"
#include "virtual/sql_dialect.h"

namespace parallax {

struct SqlExpression {
  std::string sql;  // reads the column as a table column of `type` reads in that database
  DataType type;
};

// Expression `text` (named `name`) over a table of `schema` whose column i SQL reads as
// columns[i]: its SQL, or the engine's error for an invalid expression (Status invalid), or
// Status unsupported naming what has no SQL here.
Result<SqlExpression> sql_expression(const SqlDialect& dialect, const Schema& schema,
                                     std::span<const std::string> columns, const std::string& name,
                                     const std::string& text);

}  // namespace parallax
