// Engine answers rendered as the reference's JSON (schemas, configs, scalars).
#pragma once

#include <string>
#include <vector>

#include "api/engine.h"
#include "core/scalar.h"
#include "core/schema.h"
#include "query/expressions/expression.h"
#include "query/view_config.h"

namespace parallax {

std::string schema_json(const std::vector<Field>& fields);
std::string config_json(const ViewConfig& config);
// A scalar as to_json writes a cell (dates and datetimes as epoch milliseconds).
std::string scalar_json(const Scalar& value);
std::string string_list_json(const std::vector<std::string>& values);
// table_validate_expr's answer: {"expression_schema": {name: type}, "errors": {name:
// {"error_message", "line", "column"}}, "expression_alias": {name: text}}.
std::string expression_validation_json(const ExpressionValidation& validation);
// view.dimensions: {"num_table_rows", "num_table_columns", "num_view_rows", "num_view_columns"}.
std::string dimensions_json(const ViewDimensions& dimensions);

}  // namespace parallax
