// Conversions between types, null tests, not, and the values that depend on the row or the
// moment: random(), index().
#include "query/expressions/functions/kit.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>

#include "core/temporal.h"

namespace parallax::expressions::functions {

namespace {

// --- conversions -------------------------------------------------------------------------

std::string format_number(double value, DataType type) {
  char buffer[64];
  if (type == DataType::kFloat) {
    std::snprintf(buffer, sizeof buffer, "%g", value);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(value));
  }
  return buffer;
}

std::optional<double> parse_number(std::string_view text) {
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size()) return std::nullopt;
  return value;
}

Vector to_string(const Node& call, Arguments& arguments, EvaluationContext& context) {
  const DataType from = call.children[0]->type;
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    const Vector& input = arguments[0];
    switch (from) {
      case DataType::kString:
        out.set(out.at(row), input.string(row));
        return;
      case DataType::kBoolean:
        out.set(out.at(row), input.number(row) != 0 ? "true" : "false");
        return;
      case DataType::kDate:
        out.set(out.at(row),
                context.arena.keep(format_date_iso(static_cast<int32_t>(input.number(row)))));
        return;
      case DataType::kDatetime:
        out.set(out.at(row),
                context.arena.keep(format_datetime_iso(static_cast<int64_t>(input.number(row)))));
        return;
      default:
        out.set(out.at(row), context.arena.keep(format_number(input.number(row), from)));
    }
  });
}

// integer(): truncates; values beyond 32 bits, and strings that are not numbers, are null.
Vector to_integer(const Node& call, Arguments& arguments, EvaluationContext& context) {
  const DataType from = call.children[0]->type;
  return for_each_row(DataType::kInteger, arguments, context, [&](size_t row, Vector& out) {
    double value = 0;
    if (from == DataType::kString) {
      auto parsed = parse_number(arguments[0].string(row));
      if (!parsed) return;
      value = *parsed;
    } else {
      value = arguments[0].number(row);
    }
    value = std::trunc(value);
    if (!(value >= -2147483648.0 && value <= 2147483647.0)) return;
    out.set(out.at(row), value);
  });
}

// float(): a date reads as the reference's packed form, year << 16 | (month - 1) << 8 | day.
Vector to_float(const Node& call, Arguments& arguments, EvaluationContext& context) {
  const DataType from = call.children[0]->type;
  return for_each_row(DataType::kFloat, arguments, context, [&](size_t row, Vector& out) {
    if (from == DataType::kString) {
      if (auto parsed = parse_number(arguments[0].string(row))) out.set(out.at(row), *parsed);
      return;
    }
    double value = arguments[0].number(row);
    if (from == DataType::kDate) {
      const CivilDate date = civil_from_days(static_cast<int32_t>(value));
      value = date.year * 65536.0 + (date.month - 1) * 256.0 + date.day;
    }
    out.set(out.at(row), value);
  });
}

// boolean(): false for null, zero and the empty string.
Vector to_boolean(const Node& call, Arguments& arguments, EvaluationContext& context) {
  const DataType from = call.children[0]->type;
  const Vector& input = arguments[0];
  Vector out = result_for(DataType::kBoolean, arguments, context);
  for (size_t row = 0; row < out.valid.size(); ++row) {
    const bool truth =
        input.is_valid(row) &&
        (from == DataType::kString ? !input.string(row).empty() : input.number(row) != 0);
    out.set(row, truth ? 1.0 : 0.0);
  }
  return out;
}

template <bool Null>
Vector null_test(const Node&, Arguments& arguments, EvaluationContext& context) {
  Vector out = result_for(DataType::kBoolean, arguments, context);
  for (size_t row = 0; row < out.valid.size(); ++row) {
    out.set(row, arguments[0].is_valid(row) != Null ? 1.0 : 0.0);
  }
  return out;
}

Vector logical_not(const Node&, Arguments& arguments, EvaluationContext& context) {
  Vector out = result_for(DataType::kBoolean, arguments, context);
  for (size_t row = 0; row < out.valid.size(); ++row) {
    out.set(row, arguments[0].is_valid(row) && arguments[0].number(row) != 0 ? 0.0 : 1.0);
  }
  return out;
}

bool check_not(Node& call, std::string& error) {
  call.type = DataType::kBoolean;
  // Any boolean or number, a column's as much as a comparison's: not("b") is not("b" == true).
  if (!is_numeric(argument_type(call, 0))) {
    error = "not() takes a boolean or a number";
    return false;
  }
  return true;
}

Vector random_numbers(const Node&, Arguments&, EvaluationContext& context) {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_real_distribution<double> distribution(0, 1);
  Vector out = Vector::make(DataType::kFloat, context.size, false);
  for (size_t row = 0; row < context.size; ++row) out.set(row, distribution(generator));
  return out;
}

Vector row_index(const Node&, Arguments&, EvaluationContext& context) {
  Vector out = Vector::make(DataType::kInteger, context.size, false);
  for (size_t row = 0; row < context.size; ++row) {
    out.set(row, context.rows ? (*context.rows)[row] : static_cast<double>(row));
  }
  return out;
}

const Function kValues[] = {
    {.name = "integer", .check = check_any<DataType::kInteger>, .kernel = to_integer},
    {.name = "float", .check = check_any<DataType::kFloat>, .kernel = to_float},
    {.name = "string", .check = check_any<DataType::kString>, .kernel = to_string},
    {.name = "boolean", .check = check_any<DataType::kBoolean>, .kernel = to_boolean},
    {.name = "is_null", .check = check_any<DataType::kBoolean>, .kernel = null_test<true>},
    {.name = "is_not_null", .check = check_any<DataType::kBoolean>, .kernel = null_test<false>},
    {.name = "not", .check = check_not, .kernel = logical_not},
    {.name = "random",
     .min_arguments = 0,
     .max_arguments = 0,
     .check = check_any<DataType::kFloat>,
     .kernel = random_numbers},
    {.name = "index",
     .min_arguments = 0,
     .max_arguments = 0,
     .check = check_any<DataType::kInteger>,
     .kernel = row_index},
};

}  // namespace

std::span<const Function> values() {
  return kValues;
}

}  // namespace parallax::expressions::functions
