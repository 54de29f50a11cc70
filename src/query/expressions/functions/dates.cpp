// Functions of dates and datetimes: bucket (also of numbers), parts of a date, today, now, and
// dates and datetimes made from numbers.
#include "query/expressions/functions/kit.h"

#include <chrono>
#include <cmath>

#include "core/temporal.h"

namespace parallax::expressions::functions {

namespace {

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
  return map_numbers(arguments[0], DataType::kDatetime, [](double x) { return std::trunc(x); });
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

bool check_date(Node& call, std::string& error) {
  return check_numeric<DataType::kDate>(call, error);
}

const Function kDates[] = {
    {.name = "bucket",
     .min_arguments = 2,
     .max_arguments = 2,
     .check = check_bucket,
     .kernel = bucket},
    {.name = "hour_of_day", .check = check_temporal<DataType::kFloat>, .kernel = hour_of_day},
    {.name = "day_of_week", .check = check_temporal<DataType::kString>, .kernel = day_of_week},
    {.name = "month_of_year", .check = check_temporal<DataType::kString>, .kernel = month_of_year},
    {.name = "today",
     .min_arguments = 0,
     .max_arguments = 0,
     .check = check_any<DataType::kDate>,
     .kernel = today},
    {.name = "now",
     .min_arguments = 0,
     .max_arguments = 0,
     .check = check_any<DataType::kDatetime>,
     .kernel = now},
    {.name = "datetime", .check = check_numeric<DataType::kDatetime>, .kernel = make_datetime},
    {.name = "date",
     .min_arguments = 3,
     .max_arguments = 3,
     .check = check_date,
     .kernel = make_date},
};

}  // namespace

std::span<const Function> dates() {
  return kDates;
}

}  // namespace parallax::expressions::functions
