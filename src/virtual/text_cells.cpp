#include "virtual/text_cells.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "core/value_parsing.h"

namespace parallax {

namespace {

std::optional<int64_t> whole(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc() && end == text.data() + text.size()) return value;
  // Aggregates may answer a whole number as a decimal ("12.000" from numeric sums).
  if (auto number = parse_float(text); number && *number == std::trunc(*number))
    return static_cast<int64_t>(*number);
  return std::nullopt;
}

std::optional<double> real(std::string_view text) {
  if (text == "nan" || text == "NaN" || text == "-nan")
    return std::numeric_limits<double>::quiet_NaN();
  if (text == "inf" || text == "Infinity" || text == "+inf")
    return std::numeric_limits<double>::infinity();
  if (text == "-inf" || text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return parse_float(text);
}

}  // namespace

Status append_text_cell(Column& column, std::string_view text) {
  auto unreadable = [&] {
    return Status::invalid("the database answered '{}' where a {} was expected", text,
                           type_name(column.type()));
  };
  switch (column.type()) {
    case DataType::kString:
      column.append_string(text);
      return Status::ok();
    case DataType::kBoolean:
      if (text == "1" || text == "t" || text == "true") {
        column.append<uint8_t>(1);
      } else if (text == "0" || text == "f" || text == "false") {
        column.append<uint8_t>(0);
      } else {
        return unreadable();
      }
      return Status::ok();
    case DataType::kInteger: {
      const auto value = whole(text);
      if (!value) return unreadable();
      // Parallax integers are 32-bit, as the reference's; sums past them wrap as its do.
      column.append<int32_t>(static_cast<int32_t>(*value));
      return Status::ok();
    }
    case DataType::kFloat: {
      const auto value = real(text);
      if (!value) return unreadable();
      column.append<double>(*value);
      return Status::ok();
    }
    case DataType::kDate: {
      const auto days = parse_date(text);
      if (!days) return unreadable();
      column.append<int32_t>(*days);
      return Status::ok();
    }
    case DataType::kDatetime: {
      const auto millis = whole(text);
      if (!millis) return unreadable();
      column.append<int64_t>(*millis);
      return Status::ok();
    }
  }
  return unreadable();
}

}  // namespace parallax
