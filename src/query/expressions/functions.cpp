#include "query/expressions/functions.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>

#include <re2/re2.h>

#include "core/temporal.h"

namespace parallax::expressions {

namespace {

using Arguments = std::vector<Vector>;

DataType argument_type(const Node& call, size_t i) {
  return call.children[i]->type;
}

bool all_constant(const Arguments& arguments) {
  return std::all_of(arguments.begin(), arguments.end(),
                     [](const Vector& v) { return v.constant; });
}

// A result vector sized for the arguments (constant when they all are).
Vector result_for(DataType type, const Arguments& arguments, const EvaluationContext& context) {
  return Vector::make(type, context.size, all_constant(arguments));
}

// Applies `f` to every value of a numeric vector; nulls stay null (made by the computation).
template <typename F>
Vector map_numbers(const Vector& input, DataType type, F f) {
  Vector out;
  out.type = type;
  out.constant = input.constant;
  out.valid.resize(input.valid.size());
  for (size_t row = 0; row < input.valid.size(); ++row) {
    out.valid[row] = input.valid[row] == kValid ? kValid : kNullBelow;
  }
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

// --- checks -----------------------------------------------------------------------------

bool numeric_arguments(Node& call, std::string& error) {
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

bool is_temporal(DataType type) {
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
bool literal_argument(Node& call, size_t i, std::string& error, std::string& text) {
  const Node& argument = *call.children[i];
  if (argument.kind != NodeKind::kString) {
    error = call.text + "() needs a string literal as argument " + std::to_string(i + 1);
    return false;
  }
  text = argument.text;
  return true;
}

bool check_regex(Node& call, std::string& error, DataType result, bool one_group) {
  call.type = result;
  if (argument_type(call, 0) != DataType::kString) {
    error = call.text + "() takes a string";
    return false;
  }
  std::string pattern;
  if (!literal_argument(call, 1, error, pattern)) return false;
  auto regex = std::make_shared<re2::RE2>(pattern, re2::RE2::Quiet);
  if (!regex->ok()) {
    error = "invalid regular expression '" + pattern + "': " + regex->error();
    return false;
  }
  if (one_group && regex->NumberOfCapturingGroups() != 1) {
    error = call.text + "() needs a regular expression with exactly one capturing group";
    return false;
  }
  call.regex = std::move(regex);
  for (size_t i = 2; i < call.children.size(); ++i) {
    if (argument_type(call, i) != DataType::kString) {
      error = call.text + "() takes a string replacement";
      return false;
    }
  }
  return true;
}

// --- kernels ----------------------------------------------------------------------------

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

// As the reference: a null value clamps to the upper bound when it compares above every
// value, to the lower one otherwise (see Vector::valid).
Vector clamp(const Node&, Arguments& arguments, EvaluationContext& context) {
  Vector out = result_for(DataType::kFloat, arguments, context);
  for (size_t row = 0; row < out.valid.size(); ++row) {
    if (!arguments[0].is_valid(row) || !arguments[2].is_valid(row)) continue;
    const double infinity = std::numeric_limits<double>::infinity();
    const double x = arguments[1].is_valid(row)        ? arguments[1].number(row)
                     : arguments[1].is_null_above(row) ? infinity
                                                       : -infinity;
    out.set(row, std::min(std::max(x, arguments[0].number(row)), arguments[2].number(row)));
  }
  return out;
}

// --- bucket -------------------------------------------------------------------------------

struct BucketUnit {
  char unit;
  int multiple;
};

bool parse_bucket_unit(std::string_view text, BucketUnit& unit) {
  if (text.empty()) return false;
  const char last = text.back();
  if (std::string_view("smhDWMY").find(last) == std::string_view::npos) return false;
  int multiple = 1;
  if (text.size() > 1) {
    multiple = 0;
    for (char c : text.substr(0, text.size() - 1)) {
      if (c < '0' || c > '9' || multiple > 100000) return false;
      multiple = multiple * 10 + (c - '0');
    }
  }
  // The reference takes multiples of seconds, minutes, hours, months and years only.
  if (multiple < 1 || ((last == 'D' || last == 'W') && multiple != 1)) return false;
  unit = {last, multiple};
  return true;
}

bool check_bucket(Node& call, std::string& error) {
  const DataType value_type = argument_type(call, 0);
  if (is_numeric(value_type) && value_type != DataType::kBoolean) {
    call.type = DataType::kFloat;
    if (!is_numeric(argument_type(call, 1))) {
      error = "bucket() of a number takes a number as its size";
      return false;
    }
    return true;
  }
  if (!is_temporal(value_type)) {
    error = "bucket() takes a number, date or datetime";
    return false;
  }
  std::string text;
  if (!literal_argument(call, 1, error, text)) return false;
  BucketUnit unit;
  if (!parse_bucket_unit(text, unit)) {
    error = "bucket() unit '" + text +
            "' is not one of s, m, h, D, W, M, Y (with multiples of s, m, h, M, Y)";
    return false;
  }
  call.literals = {text};
  const bool time_unit = unit.unit == 's' || unit.unit == 'm' || unit.unit == 'h';
  call.type =
      value_type == DataType::kDatetime && time_unit ? DataType::kDatetime : DataType::kDate;
  return true;
}

double floor_to(double value, double size) {
  return std::floor(value / size) * size;
}

Vector bucket(const Node& call, Arguments& arguments, EvaluationContext& context) {
  const Vector& values = arguments[0];
  if (call.type == DataType::kFloat) {
    return for_each_row(DataType::kFloat, arguments, context, [&](size_t row, Vector& out) {
      out.set(out.at(row), floor_to(values.number(row), arguments[1].number(row)));
    });
  }
  BucketUnit unit;
  parse_bucket_unit(call.literals[0], unit);
  const bool from_date = argument_type(call, 0) == DataType::kDate;
  const double multiple = unit.multiple;
  auto millis_of = [&](double value) {
    return from_date ? static_cast<double>(date_to_millis(static_cast<int32_t>(value))) : value;
  };
  Vector out = Vector::make(call.type, values.valid.size(), values.constant);
  out.valid = values.valid;
  for (size_t row = 0; row < values.numbers.size(); ++row) {
    if (values.valid[row] != kValid) continue;
    const double millis = millis_of(values.numbers[row]);
    const int32_t days = millis_to_days(static_cast<int64_t>(millis));
    double result = 0;
    switch (unit.unit) {
      case 's':
        result = floor_to(millis, 1000 * multiple);
        break;
      case 'm':
        result = floor_to(millis, 60'000 * multiple);
        break;
      case 'h':
        result = floor_to(millis, 3'600'000 * multiple);
        break;
      case 'D':
        result = days;
        break;
      case 'W':
        // Weeks start on Monday; 1970-01-01 was a Thursday.
        result = days - ((days % 7 + 7 + 3) % 7);
        break;
      case 'M': {
        const CivilDate date = civil_from_days(days);
        const int month = (date.month - 1) / unit.multiple * unit.multiple + 1;
        result = days_from_civil(date.year, month, 1);
        break;
      }
      default: {
        const CivilDate date = civil_from_days(days);
        const int year = static_cast<int>(std::floor(date.year / multiple) * multiple);
        result = days_from_civil(year, 1, 1);
        break;
      }
    }
    // From a date, sub-day units keep the date's type (the reference answers a date).
    if (call.type == DataType::kDate && (unit.unit == 's' || unit.unit == 'm' || unit.unit == 'h'))
      result = millis_to_days(static_cast<int64_t>(result));
    out.numbers[row] = result;
  }
  return out;
}

// --- dates -------------------------------------------------------------------------------

double millis_of(const Node& call, const Vector& values, size_t row) {
  const double value = values.number(row);
  return call.children[0]->type == DataType::kDate
             ? static_cast<double>(date_to_millis(static_cast<int32_t>(value)))
             : value;
}

Vector hour_of_day(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kFloat, arguments, context, [&](size_t row, Vector& out) {
    const auto millis = static_cast<int64_t>(millis_of(call, arguments[0], row));
    out.set(out.at(row),
            static_cast<double>((millis - date_to_millis(millis_to_days(millis))) / 3'600'000));
  });
}

constexpr std::array<std::string_view, 7> kWeekdays{
    "1 Sunday", "2 Monday", "3 Tuesday", "4 Wednesday", "5 Thursday", "6 Friday", "7 Saturday"};
constexpr std::array<std::string_view, 12> kMonths{
    "01 January", "02 February", "03 March",     "04 April",   "05 May",      "06 June",
    "07 July",    "08 August",   "09 September", "10 October", "11 November", "12 December"};

Vector day_of_week(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    const int32_t days = millis_to_days(static_cast<int64_t>(millis_of(call, arguments[0], row)));
    out.set(out.at(row), kWeekdays[static_cast<size_t>((days % 7 + 7 + 4) % 7)]);
  });
}

Vector month_of_year(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    const int32_t days = millis_to_days(static_cast<int64_t>(millis_of(call, arguments[0], row)));
    out.set(out.at(row), kMonths[static_cast<size_t>(civil_from_days(days).month - 1)]);
  });
}

int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Vector now(const Node&, Arguments&, EvaluationContext&) {
  Vector out = Vector::make(DataType::kDatetime, 1, true);
  out.set(0, static_cast<double>(now_millis()));
  return out;
}

Vector today(const Node&, Arguments&, EvaluationContext&) {
  Vector out = Vector::make(DataType::kDate, 1, true);
  out.set(0, millis_to_days(now_millis()));
  return out;
}

Vector make_datetime(const Node&, Arguments& arguments, EvaluationContext&) {
  return map_numbers(arguments[0], DataType::kDatetime, trunc_of);
}

Vector make_date(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kDate, arguments, context, [&](size_t row, Vector& out) {
    const double year = arguments[0].number(row), month = arguments[1].number(row),
                 day = arguments[2].number(row);
    // As the reference: a day past the month's end runs into the next month.
    if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return;
    out.set(out.at(row), days_from_civil(static_cast<int>(year), static_cast<int>(month), 1) +
                             static_cast<int>(day) - 1);
  });
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

// --- strings -----------------------------------------------------------------------------

Vector concat(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    std::string text;
    for (const Vector& argument : arguments) text += argument.string(row);
    out.set(out.at(row), context.arena.keep(std::move(text)));
  });
}

template <bool Upper>
Vector change_case(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    std::string text(arguments[0].string(row));
    for (char& c : text) {
      if (Upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (!Upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    out.set(out.at(row), context.arena.keep(std::move(text)));
  });
}

Vector length(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kFloat, arguments, context, [&](size_t row, Vector& out) {
    out.set(out.at(row), static_cast<double>(arguments[0].string(row).size()));
  });
}

// substring(text, start[, length]): null when the start is not in the text or the range ends
// past it, as the reference.
Vector substring(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    const std::string_view text = arguments[0].string(row);
    const double start = std::trunc(arguments[1].number(row));
    if (start < 0 || start >= static_cast<double>(text.size())) return;
    double count = static_cast<double>(text.size()) - start;
    if (arguments.size() > 2) {
      count = std::trunc(arguments[2].number(row));
      if (count < 0 || start + count > static_cast<double>(text.size())) return;
    }
    out.set(out.at(row), text.substr(static_cast<size_t>(start), static_cast<size_t>(count)));
  });
}

// order(value, 'a', 'b', ...): the value's place in the list, or the list's length.
bool check_order(Node& call, std::string& error) {
  call.type = DataType::kFloat;
  if (argument_type(call, 0) != DataType::kString) {
    error = "order() takes a string";
    return false;
  }
  call.literals.clear();
  for (size_t i = 1; i < call.children.size(); ++i) {
    std::string text;
    if (!literal_argument(call, i, error, text)) return false;
    call.literals.push_back(std::move(text));
  }
  return true;
}

Vector order(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kFloat, arguments, context, [&](size_t row, Vector& out) {
    const std::string_view text = arguments[0].string(row);
    // A value listed twice takes its last place, as in the reference.
    const auto found = std::find(call.literals.rbegin(), call.literals.rend(), text);
    const size_t place = found == call.literals.rend()
                             ? call.literals.size()
                             : static_cast<size_t>(call.literals.rend() - found) - 1;
    out.set(out.at(row), static_cast<double>(place));
  });
}

bool check_match(Node& call, std::string& error) {
  return check_regex(call, error, DataType::kBoolean, false);
}
bool check_search(Node& call, std::string& error) {
  return check_regex(call, error, DataType::kString, true);
}
bool check_replace(Node& call, std::string& error) {
  return check_regex(call, error, DataType::kString, false);
}

template <bool Full>
Vector match(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kBoolean, arguments, context, [&](size_t row, Vector& out) {
    const std::string_view value = arguments[0].string(row);
    out.set(out.at(row), Full ? re2::RE2::FullMatch(value, *call.regex)
                              : re2::RE2::PartialMatch(value, *call.regex));
  });
}

Vector search(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    re2::StringPiece group;
    if (re2::RE2::PartialMatch(arguments[0].string(row), *call.regex, &group)) {
      out.set(out.at(row), std::string_view(group.data(), group.size()));
    }
  });
}

// The replacement is literal text (the reference does not expand $0 or \1).
template <bool All>
Vector replace(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    const std::string_view text = arguments[0].string(row);
    const std::string_view replacement = arguments[2].string(row);
    std::string result;
    size_t from = 0;
    re2::StringPiece found;
    while (from <= text.size() &&
           call.regex->Match(text, from, text.size(), re2::RE2::UNANCHORED, &found, 1)) {
      const size_t start = static_cast<size_t>(found.data() - text.data());
      result.append(text.substr(from, start - from));
      result.append(replacement);
      from = start + found.size();
      if (found.empty()) {
        if (from < text.size()) result += text[from];
        ++from;
      }
      if (!All) break;
    }
    if (from < text.size()) result.append(text.substr(from));
    out.set(out.at(row), context.arena.keep(std::move(result)));
  });
}

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
  if (call.children[0]->kind == NodeKind::kColumn || !is_numeric(argument_type(call, 0))) {
    error = "not() takes a comparison or a number";
    return false;
  }
  return true;
}

bool check_date(Node& call, std::string& error) {
  return check_numeric<DataType::kDate>(call, error);
}

bool check_length(Node& call, std::string& error) {
  return check_strings<DataType::kFloat>(call, error);
}

bool check_substring(Node& call, std::string& error) {
  call.type = DataType::kString;
  if (argument_type(call, 0) != DataType::kString) {
    error = "substring() takes a string";
    return false;
  }
  for (size_t i = 1; i < call.children.size(); ++i) {
    if (!is_numeric(argument_type(call, i))) {
      error = "substring() takes numbers as start and length";
      return false;
    }
  }
  return true;
}

constexpr size_t kAny = SIZE_MAX;

const Function kFunctions[] = {
    {"abs", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<abs_of>},
    {"sqrt", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<sqrt_of>},
    {"exp", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<exp_of>},
    {"log", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<log_of>},
    {"log10", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<log10_of>},
    {"ceil", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<ceil_of>},
    {"floor", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<floor_of>},
    {"round", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<round_half_away>},
    {"sin", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<sin_of>},
    {"cos", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<cos_of>},
    {"tan", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<tan_of>},
    {"frac", 1, 1, true, false, check_numeric<DataType::kFloat>, unary_float<frac>},
    {"trunc", 1, 1, true, false, check_numeric<DataType::kInteger>, integer_trunc},
    {"sgn", 1, 1, true, false, check_numeric<DataType::kInteger>, integer_sign},
    {"min", 1, kAny, true, false, check_numeric<DataType::kFloat>, extreme<false>},
    {"max", 1, kAny, true, false, check_numeric<DataType::kFloat>, extreme<true>},
    {"sum", 1, kAny, true, false, check_numeric<DataType::kFloat>, add_numbers<false>},
    {"avg", 1, kAny, true, false, check_numeric<DataType::kFloat>, add_numbers<true>},
    {"percent_of", 2, 2, true, false, check_numeric<DataType::kFloat>, percent_of},
    {"inrange", 3, 3, true, true, check_numeric<DataType::kBoolean>, inrange},
    {"clamp", 3, 3, true, false, check_numeric<DataType::kFloat>, clamp},
    {"bucket", 2, 2, true, true, check_bucket, bucket},
    {"hour_of_day", 1, 1, true, true, check_temporal<DataType::kFloat>, hour_of_day},
    {"day_of_week", 1, 1, true, true, check_temporal<DataType::kString>, day_of_week},
    {"month_of_year", 1, 1, true, true, check_temporal<DataType::kString>, month_of_year},
    {"today", 0, 0, false, false, check_any<DataType::kDate>, today},
    {"now", 0, 0, false, false, check_any<DataType::kDatetime>, now},
    {"datetime", 1, 1, true, false, check_numeric<DataType::kDatetime>, make_datetime},
    {"date", 3, 3, true, false, check_date, make_date},
    {"concat", 1, kAny, true, true, check_strings<DataType::kString>, concat},
    {"upper", 1, 1, true, true, check_strings<DataType::kString>, change_case<true>},
    {"lower", 1, 1, true, true, check_strings<DataType::kString>, change_case<false>},
    {"substring", 2, 3, true, true, check_substring, substring},
    {"replace", 3, 3, true, true, check_replace, replace<false>},
    {"replace_all", 3, 3, true, true, check_replace, replace<true>},
    {"search", 2, 2, true, true, check_search, search},
    {"length", 1, 1, true, true, check_length, length},
    {"order", 1, kAny, true, true, check_order, order},
    {"match", 2, 2, true, true, check_match, match<false>},
    {"match_all", 2, 2, true, true, check_match, match<true>},
    {"integer", 1, 1, true, false, check_any<DataType::kInteger>, to_integer},
    {"float", 1, 1, true, false, check_any<DataType::kFloat>, to_float},
    {"string", 1, 1, true, false, check_any<DataType::kString>, to_string},
    {"boolean", 1, 1, true, false, check_any<DataType::kBoolean>, to_boolean},
    {"is_null", 1, 1, true, false, check_any<DataType::kBoolean>, null_test<true>},
    {"is_not_null", 1, 1, true, false, check_any<DataType::kBoolean>, null_test<false>},
    {"not", 1, 1, true, false, check_not, logical_not},
    {"random", 0, 0, false, false, check_any<DataType::kFloat>, random_numbers},
    {"index", 0, 0, false, false, check_any<DataType::kInteger>, row_index},
};

}  // namespace

const Function* find_function(std::string_view name) {
  for (const Function& function : kFunctions) {
    if (function.name == name) return &function;
  }
  return nullptr;
}

}  // namespace parallax::expressions
