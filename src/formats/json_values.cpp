#include "formats/json_values.h"

#include <cmath>
#include <limits>
#include <string_view>

#include <fmt/format.h>

#include "common/number_format.h"
#include "core/temporal.h"
#include "core/value_parsing.h"
#include "formats/type_inference.h"

namespace parallax {

using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

bool is_int32(double value) {
  return value == std::trunc(value) && value >= std::numeric_limits<int32_t>::min() &&
         value <= std::numeric_limits<int32_t>::max();
}

}  // namespace

std::optional<DataType> classify_value(element value) {
  switch (value.type()) {
    case element_type::NULL_VALUE:
      return std::nullopt;
    case element_type::BOOL:
      return DataType::kBoolean;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return is_int32(double(value)) ? DataType::kInteger : DataType::kFloat;
    case element_type::STRING:
      return classify_text(std::string_view(value), TextDialect::kJson);
    case element_type::ARRAY:
    case element_type::OBJECT:
      break;
  }
  return DataType::kString;
}

namespace {

std::string describe(element value) {
  return simdjson::minify(value);
}

bool is_number(element_type kind) {
  return kind == element_type::INT64 || kind == element_type::UINT64 ||
         kind == element_type::DOUBLE;
}

// A number as the reference writes it into a string column: integral values without a
// fraction, others with six decimals (C's "%f").
std::string number_as_text(double number) {
  if (number == 0) return "0";  // -0 too
  if (number == std::trunc(number) && std::abs(number) < 1e300) {
    return fmt::format("{:.0f}", number);
  }
  return fmt::format("{:f}", number);
}

// Reads one JSON value as `type`; false when it cannot be (the reference's coercions, minus
// the ones that silently corrupt data: see docs/differences.md).
bool append_coerced(Column& column, element value) {
  const element_type kind = value.type();
  const bool number = is_number(kind);
  const bool text = kind == element_type::STRING;
  const std::string_view string = text ? std::string_view(value) : std::string_view();
  switch (column.type()) {
    case DataType::kBoolean:
      if (kind == element_type::BOOL) return column.append<uint8_t>(bool(value)), true;
      if (number && double(value) == std::trunc(double(value))) {
        return column.append<uint8_t>(double(value) != 0), true;
      }
      if (text) {
        if (auto parsed = parse_boolean(string)) return column.append<uint8_t>(*parsed), true;
      }
      return false;
    case DataType::kInteger: {
      std::optional<double> parsed;
      if (number) parsed = double(value);
      if (text && string.empty()) return column.append_null(), true;
      if (text) parsed = parse_float(string);
      if (!parsed || !(*parsed > -2147483649.0 && *parsed < 2147483648.0)) return false;
      return column.append<int32_t>(static_cast<int32_t>(*parsed)), true;
    }
    case DataType::kFloat:
      if (number) return column.append<double>(double(value)), true;
      if (text && string.empty()) return column.append_null(), true;
      if (text) {
        if (auto parsed = parse_float(string)) return column.append<double>(*parsed), true;
      }
      return false;
    case DataType::kString:
      if (text) return column.append_string(string), true;
      if (number) return column.append_string(number_as_text(double(value))), true;
      if (kind == element_type::BOOL)
        return column.append_string(bool(value) ? "true" : "false"), true;
      return false;
    case DataType::kDate:
      if (number && double(value) == std::trunc(double(value))) {
        const auto millis = double_to_int64(double(value));
        if (!millis) return false;
        return column.append<int32_t>(millis_to_days(*millis)), true;
      }
      if (text && !has_numeric_offset(string)) {
        if (auto days = parse_compact_date(string)) return column.append<int32_t>(*days), true;
        return append_text(column, string, TextDialect::kJson);
      }
      return false;
    case DataType::kDatetime:
      if (number) {
        const auto millis = double_to_int64(double(value));
        if (!millis) return false;
        return column.append<int64_t>(*millis), true;
      }
      if (text) {
        if (auto days = parse_compact_date(string))
          return column.append<int64_t>(date_to_millis(*days)), true;
        return append_text(column, string, TextDialect::kJson);
      }
      return false;
  }
  return false;
}

}  // namespace

Status append_value(Column& column, element value, const std::string& name, size_t row) {
  if (value.is_null()) {
    column.append_null();
    return Status::ok();
  }
  if (!append_coerced(column, value)) {
    return Status::invalid("row {}, column '{}': cannot read {} as {}", row, name, describe(value),
                           type_name(column.type()));
  }
  return Status::ok();
}

}  // namespace parallax