#include "formats/type_inference.h"

#include <cmath>
#include <limits>

#include "core/temporal.h"
#include "core/value_parsing.h"

namespace parallax {

namespace {

TemporalSyntax date_syntax(TextDialect dialect) {
  // CSV reads only ISO dates as dates (US dates become datetimes); JSON strings accept both.
  if (dialect == TextDialect::kCsv) return {.us_slashed_dates = false, .iso_slashed_dates = false};
  return {.us_slashed_dates = true, .iso_slashed_dates = true, .short_fields = true};
}

std::optional<int64_t> parse_datetime_in(std::string_view text, TextDialect dialect) {
  if (auto millis = parse_datetime(text, date_syntax(dialect))) return millis;
  if (dialect == TextDialect::kCsv) {
    if (auto days = parse_date(text, {.us_slashed_dates = true, .iso_slashed_dates = false})) {
      return date_to_millis(*days);
    }
  }
  if (auto days = parse_date(text, date_syntax(dialect))) return date_to_millis(*days);
  return std::nullopt;
}

bool fits_int32(int64_t value) {
  return value >= std::numeric_limits<int32_t>::min() &&
         value <= std::numeric_limits<int32_t>::max();
}

// The narrowest type whose reader accepts `text`. `found(type, integer, number)` hears the
// value that reader parsed (booleans as 0/1, dates as days, datetimes as milliseconds), except
// where append_text would read the text another way (an integer too wide for 32 bits, a JSON
// datetime at midnight read as a date).
template <typename Found>
DataType classify(std::string_view text, TextDialect dialect, Found&& found) {
  if (auto value = parse_boolean(text)) {
    found(DataType::kBoolean, *value ? 1 : 0, 0.0);
    return DataType::kBoolean;
  }
  const bool plus_sign = text.find('+') != std::string_view::npos;  // CSV: "+5" is a float
  if (auto integer = parse_integer(text); integer && !(plus_sign && dialect == TextDialect::kCsv)) {
    if (!fits_int32(*integer)) return DataType::kFloat;
    found(DataType::kInteger, *integer, 0.0);
    return DataType::kInteger;
  }
  if (auto number = parse_float(text)) {
    found(DataType::kFloat, 0, *number);
    return DataType::kFloat;
  }
  if (auto days = parse_date(text, date_syntax(dialect))) {
    found(DataType::kDate, *days, 0.0);
    return DataType::kDate;
  }
  if (auto millis = parse_datetime_in(text, dialect)) {
    // The reference reads a JSON datetime at exactly midnight (to the second) as a date.
    if (dialect == TextDialect::kJson && !has_numeric_offset(text)) {
      const size_t time = text.find_first_of("T ");
      const std::string_view clock = text.substr(time + 1);
      if (clock.starts_with("00:00") && (clock.size() == 5 || clock.substr(5).starts_with(":00"))) {
        return DataType::kDate;
      }
    }
    found(DataType::kDatetime, *millis, 0.0);
    return DataType::kDatetime;
  }
  return DataType::kString;
}

}  // namespace

DataType classify_text(std::string_view text, TextDialect dialect) {
  return classify(text, dialect, [](DataType, int64_t, double) {});
}

DataType classify_and_append(std::string_view text, TextDialect dialect, Column& column,
                             bool& appended) {
  appended = false;
  return classify(text, dialect, [&](DataType type, int64_t integer, double number) {
    if (type != column.type()) return;
    appended = true;
    switch (type) {
      case DataType::kBoolean:
        column.append<uint8_t>(static_cast<uint8_t>(integer));
        break;
      case DataType::kInteger:
      case DataType::kDate:
        column.append<int32_t>(static_cast<int32_t>(integer));
        break;
      case DataType::kFloat:
        column.append<double>(number);
        break;
      case DataType::kDatetime:
        column.append<int64_t>(integer);
        break;
      case DataType::kString:
        appended = false;
        break;
    }
  });
}

DataType widen(DataType so_far, DataType next) {
  if (so_far == next) return so_far;
  auto is = [&](DataType a, DataType b) {
    return (so_far == a && next == b) || (so_far == b && next == a);
  };
  if (is(DataType::kInteger, DataType::kFloat)) return DataType::kFloat;
  if (is(DataType::kDate, DataType::kDatetime)) return DataType::kDatetime;
  return DataType::kString;
}

bool append_text(Column& column, std::string_view text, TextDialect dialect) {
  switch (column.type()) {
    case DataType::kBoolean:
      if (auto value = parse_boolean(text)) return column.append<uint8_t>(*value), true;
      return false;
    case DataType::kInteger:
      if (auto value = parse_integer(text); value && fits_int32(*value)) {
        return column.append<int32_t>(static_cast<int32_t>(*value)), true;
      }
      return false;
    case DataType::kFloat:
      if (auto value = parse_float(text)) return column.append<double>(*value), true;
      return false;
    case DataType::kString:
      column.append_string(text);
      return true;
    case DataType::kDate:
      if (auto value = parse_date(text, date_syntax(dialect))) {
        return column.append<int32_t>(*value), true;
      }
      if (auto millis = parse_datetime_in(text, dialect)) {
        return column.append<int32_t>(millis_to_days(*millis)), true;
      }
      return false;
    case DataType::kDatetime:
      if (auto value = parse_datetime_in(text, dialect))
        return column.append<int64_t>(*value), true;
      return false;
  }
  return false;
}

}  // namespace parallax
