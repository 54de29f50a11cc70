// Shared by the expression functions' families (query/expressions/functions/*.cpp): argument
// types, result vectors, loops over rows, the common checks. Internal to expressions/.
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "query/expressions/functions.h"

namespace parallax::expressions::functions {

using Arguments = std::vector<Vector>;

inline DataType argument_type(const Node& call, size_t i) {
  return call.children[i]->type;
}

inline bool all_constant(const Arguments& arguments) {
  return std::all_of(arguments.begin(), arguments.end(),
                     [](const Vector& v) { return v.constant; });
}

// A result vector sized for the arguments (constant when they all are).
inline Vector result_for(DataType type, const Arguments& arguments,
                         const EvaluationContext& context) {
  return Vector::make(type, context.size, all_constant(arguments));
}

// Applies `f` to every value of a numeric vector; nulls stay null (made by the computation).
template <typename F>
Vector map_numbers(const Vector& input, DataType type, F f) {
  Vector out;
  out.type = type;
  out.constant = input.constant;
  out.valid = input.valid;
  out.numbers.resize(input.numbers.size());
  const double* in = input.numbers.data();
  double* result = out.numbers.data();
  const size_t rows = input.numbers.size();
  for (size_t row = 0; row < rows; ++row) result[row] = f(in[row]);
  return out;
}

// Row by row over any arguments; `f(row, out)` sets out's value for valid rows.
template <typename F>
Vector for_each_row(DataType type, const Arguments& arguments, EvaluationContext& context, F f) {
  Vector out = result_for(type, arguments, context);
  const size_t rows = out.valid.size();
  for (size_t row = 0; row < rows; ++row) {
    bool valid = true;
    for (const Vector& argument : arguments) valid = valid && argument.is_valid(row);
    if (valid) f(row, out);
  }
  return out;
}

// The checks a family shares.
inline bool numeric_arguments(Node& call, std::string& error) {
  for (size_t i = 0; i < call.children.size(); ++i) {
    if (!is_numeric(argument_type(call, i))) {
      error = call.text + "() takes numbers, not " + std::string(type_name(argument_type(call, i)));
      return false;
    }
  }
  return true;
}

template <DataType Result>
bool check_numeric(Node& call, std::string& error) {
  call.type = Result;
  return numeric_arguments(call, error);
}

template <DataType Result>
bool check_strings(Node& call, std::string& error) {
  call.type = Result;
  for (size_t i = 0; i < call.children.size(); ++i) {
    if (argument_type(call, i) != DataType::kString) {
      error = call.text + "() takes strings, not " + std::string(type_name(argument_type(call, i)));
      return false;
    }
  }
  return true;
}

template <DataType Result>
bool check_any(Node& call, std::string& error) {
  call.type = Result;
  return true;
}

inline bool is_temporal(DataType type) {
  return type == DataType::kDate || type == DataType::kDatetime;
}

template <DataType Result>
bool check_temporal(Node& call, std::string& error) {
  call.type = Result;
  if (is_temporal(argument_type(call, 0))) return true;
  error = call.text + "() takes a date or datetime";
  return false;
}

// A string literal argument (a regular expression, a bucket unit, a list entry).
inline bool literal_argument(Node& call, size_t i, std::string& error, std::string& text) {
  const Node& argument = *call.children[i];
  if (argument.kind != NodeKind::kString) {
    error = call.text + "() needs a string literal as argument " + std::to_string(i + 1);
    return false;
  }
  text = argument.text;
  return true;
}

// Each family's table.
std::span<const Function> math();    // math.cpp: numbers
std::span<const Function> dates();   // dates.cpp: bucket, date parts, today, now
std::span<const Function> text();    // text.cpp: strings and regular expressions
std::span<const Function> values();  // values.cpp: conversions, null tests, not, random, index

}  // namespace parallax::expressions::functions
