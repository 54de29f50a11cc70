// Functions of numbers: rounding, powers, trigonometry, min/max/sum/avg of arguments, ranges.
#include "query/expressions/functions/kit.h"

#include <cmath>
#include <limits>

namespace parallax::expressions::functions {

namespace {

template <double (*F)(double)>
Vector unary_float(const Node&, Arguments& arguments, EvaluationContext&) {
  return map_numbers(arguments[0], DataType::kFloat, F);
}

double frac(double x) {
  return x - std::trunc(x);
}
double sign(double x) {
  return static_cast<double>((x > 0) - (x < 0));
}
double round_half_away(double x) {
  return std::round(x);
}
double ceil_of(double x) {
  return std::ceil(x);
}
double floor_of(double x) {
  return std::floor(x);
}
double trunc_of(double x) {
  return std::trunc(x);
}
double abs_of(double x) {
  return std::fabs(x);
}
double sqrt_of(double x) {
  return std::sqrt(x);
}
double exp_of(double x) {
  return std::exp(x);
}
double log_of(double x) {
  return std::log(x);
}
double log10_of(double x) {
  return std::log10(x);
}
double sin_of(double x) {
  return std::sin(x);
}
double cos_of(double x) {
  return std::cos(x);
}
double tan_of(double x) {
  return std::tan(x);
}

Vector integer_sign(const Node&, Arguments& arguments, EvaluationContext&) {
  return map_numbers(arguments[0], DataType::kInteger, sign);
}
Vector integer_trunc(const Node&, Arguments& arguments, EvaluationContext&) {
  return map_numbers(arguments[0], DataType::kInteger, trunc_of);
}

// sum and avg: null when any argument is null.
template <bool Average>
Vector add_numbers(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kFloat, arguments, context, [&](size_t row, Vector& out) {
    double value = 0;
    for (const Vector& argument : arguments) value += argument.number(row);
    if (Average) value /= static_cast<double>(arguments.size());
    out.set(out.at(row), value);
  });
}

// min and max: as the reference, the arguments up to the first null (null when it is the
// first).
template <bool Maximum>
Vector extreme(const Node&, Arguments& arguments, EvaluationContext& context) {
  Vector out = result_for(DataType::kFloat, arguments, context);
  for (size_t row = 0; row < out.valid.size(); ++row) {
    if (!arguments[0].is_valid(row)) continue;
    double value = arguments[0].number(row);
    for (size_t i = 1; i < arguments.size(); ++i) {
      if (!arguments[i].is_valid(row)) break;
      const double next = arguments[i].number(row);
      value = Maximum ? std::max(value, next) : std::min(value, next);
    }
    out.set(row, value);
  }
  return out;
}

Vector percent_of(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kFloat, arguments, context, [&](size_t row, Vector& out) {
    out.set(out.at(row), arguments[0].number(row) / arguments[1].number(row) * 100);
  });
}

Vector inrange(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kBoolean, arguments, context, [&](size_t row, Vector& out) {
    const double x = arguments[1].number(row);
    out.set(out.at(row), arguments[0].number(row) <= x && x <= arguments[2].number(row));
  });
}

// A null value clamps to the lower bound: it is below every value (see Vector::valid).
Vector clamp(const Node&, Arguments& arguments, EvaluationContext& context) {
  Vector out = result_for(DataType::kFloat, arguments, context);
  for (size_t row = 0; row < out.valid.size(); ++row) {
    if (!arguments[0].is_valid(row) || !arguments[2].is_valid(row)) continue;
    const double infinity = std::numeric_limits<double>::infinity();
    const double x = arguments[1].is_valid(row) ? arguments[1].number(row) : -infinity;
    out.set(row, std::min(std::max(x, arguments[0].number(row)), arguments[2].number(row)));
  }
  return out;
}

const Function kMath[] = {
    {.name = "abs", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<abs_of>},
    {.name = "sqrt", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<sqrt_of>},
    {.name = "exp", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<exp_of>},
    {.name = "log", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<log_of>},
    {.name = "log10", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<log10_of>},
    {.name = "ceil", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<ceil_of>},
    {.name = "floor", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<floor_of>},
    {.name = "round",
     .check = check_numeric<DataType::kFloat>,
     .kernel = unary_float<round_half_away>},
    {.name = "sin", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<sin_of>},
    {.name = "cos", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<cos_of>},
    {.name = "tan", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<tan_of>},
    {.name = "frac", .check = check_numeric<DataType::kFloat>, .kernel = unary_float<frac>},
    {.name = "trunc", .check = check_numeric<DataType::kInteger>, .kernel = integer_trunc},
    {.name = "sgn", .check = check_numeric<DataType::kInteger>, .kernel = integer_sign},
    {.name = "min",
     .max_arguments = kAnyCount,
     .check = check_numeric<DataType::kFloat>,
     .kernel = extreme<false>},
    {.name = "max",
     .max_arguments = kAnyCount,
     .check = check_numeric<DataType::kFloat>,
     .kernel = extreme<true>},
    {.name = "sum",
     .max_arguments = kAnyCount,
     .check = check_numeric<DataType::kFloat>,
     .kernel = add_numbers<false>},
    {.name = "avg",
     .max_arguments = kAnyCount,
     .check = check_numeric<DataType::kFloat>,
     .kernel = add_numbers<true>},
    {.name = "percent_of",
     .min_arguments = 2,
     .max_arguments = 2,
     .check = check_numeric<DataType::kFloat>,
     .kernel = percent_of},
    {.name = "inrange",
     .min_arguments = 3,
     .max_arguments = 3,
     .check = check_numeric<DataType::kBoolean>,
     .kernel = inrange},
    {.name = "clamp",
     .min_arguments = 3,
     .max_arguments = 3,
     .check = check_numeric<DataType::kFloat>,
     .kernel = clamp},
};

}  // namespace

std::span<const Function> math() {
  return kMath;
}

}  // namespace parallax::expressions::functions
