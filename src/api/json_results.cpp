#include "api/json_results.h"

#include <fmt/format.h>

#include "common/number_format.h"
#include "core/temporal.h"
#include "formats/json_writer.h"

namespace parallax {

std::string schema_json(const std::vector<Field>& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, fields[i].name);
    out += ':';
    append_json_string(out, type_name(fields[i].type));
  }
  out += '}';
  return out;
}

std::string string_list_json(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, values[i]);
  }
  out += ']';
  return out;
}

namespace {

void append_filter_value(std::string& out, const FilterValue& value) {
  switch (value.kind) {
    case FilterValue::Kind::kNull:
      out += "null";
      break;
    case FilterValue::Kind::kBoolean:
      out += value.boolean ? "true" : "false";
      break;
    case FilterValue::Kind::kNumber:
      append_number(out, value.number);
      break;
    case FilterValue::Kind::kString:
      append_json_string(out, value.text);
      break;
  }
}

void append_pairs(std::string& out, const std::vector<std::pair<std::string, std::string>>& pairs) {
  out += '{';
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, pairs[i].first);
    out += ':';
    append_json_string(out, pairs[i].second);
  }
  out += '}';
}

}  // namespace

std::string config_json(const ViewConfig& config) {
  std::string out = "{\"group_by\":";
  out += string_list_json(config.group_by);
  out += ",\"split_by\":";
  out += string_list_json(config.split_by);
  out += ",\"sort\":[";
  for (size_t i = 0; i < config.sort.size(); ++i) {
    if (i > 0) out += ',';
    out += '[';
    append_json_string(out, config.sort[i].column);
    out += ',';
    append_json_string(out, sort_direction_name(config.sort[i].direction));
    out += ']';
  }
  out += "],\"filter\":[";
  for (size_t i = 0; i < config.filter.size(); ++i) {
    const FilterTerm& term = config.filter[i];
    if (i > 0) out += ',';
    out += '[';
    append_json_string(out, term.column);
    out += ',';
    append_json_string(out, filter_op_config_name(term.op));
    if (term.op == FilterOp::kIn || term.op == FilterOp::kNotIn) {
      out += ",[";
      for (size_t j = 0; j < term.values.size(); ++j) {
        if (j > 0) out += ',';
        append_filter_value(out, term.values[j]);
      }
      out += ']';
    } else {
      out += ',';
      append_filter_value(out, term.values.empty() ? FilterValue{} : term.values[0]);
    }
    out += ']';
  }
  out += ']';
  // The reference echoes filter_op only when it is "or".
  if (config.filter_op == FilterCombinator::kOr) out += ",\"filter_op\":\"or\"";
  out += ",\"expressions\":";
  append_pairs(out, config.expressions);
  out += ",\"columns\":";
  out += string_list_json(config.columns.value_or(std::vector<std::string>{}));
  // The reference always answers an empty aggregates object, whatever the view uses.
  out += ",\"aggregates\":{}";
  if (config.group_by_depth) out += fmt::format(",\"group_by_depth\":{}", *config.group_by_depth);
  out += '}';
  return out;
}

std::string expression_validation_json(const ExpressionValidation& validation) {
  std::string out = "{\"expression_schema\":" + schema_json(validation.schema) + ",\"errors\":{";
  for (size_t i = 0; i < validation.errors.size(); ++i) {
    const auto& error = validation.errors[i];
    if (i > 0) out += ',';
    append_json_string(out, error.name);
    out += ":{\"error_message\":";
    append_json_string(out, error.message);
    out += fmt::format(",\"line\":{},\"column\":{}}}", error.line, error.column);
  }
  out += "},\"expression_alias\":";
  append_pairs(out, validation.aliases);
  out += '}';
  return out;
}

std::string scalar_json(const Scalar& value) {
  if (!value.valid) return "null";
  std::string out;
  switch (value.type) {
    case DataType::kBoolean:
      return value.integer ? "true" : "false";
    case DataType::kInteger:
      return std::to_string(value.integer);
    case DataType::kFloat:
      append_number(out, value.number);
      return out;
    case DataType::kString:
      append_json_string(out, value.text);
      return out;
    case DataType::kDate:
      return std::to_string(date_to_millis(static_cast<int32_t>(value.integer)));
    case DataType::kDatetime:
      return std::to_string(value.integer);
  }
  return "null";
}

std::string dimensions_json(const ViewDimensions& d) {
  return fmt::format(
      "{{\"num_table_rows\":{},\"num_table_columns\":{},\"num_view_rows\":{},"
      "\"num_view_columns\":{}}}",
      d.num_table_rows, d.num_table_columns, d.num_view_rows, d.num_view_columns);
}

}  // namespace parallax
