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
  // Aggregates may answer a whole number as a decimal ("12.000" from numeric sums); one past
  // int64 ("1e300", "inf") is no whole number Parallax holds (casting it is undefined).
  if (auto number = parse_float(text); number && *number == std::trunc(*number))
    return double_to_int64(*number);
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

// One TabSeparated field's escapes (\t, \n, \\, ...); "\N" (null) is checked before.
std::string unescape_tab_separated(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out += field[i];
      continue;
    }
    const char next = field[++i];
    switch (next) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case '0':
        out += '\0';
        break;
      default:
        out += next;
    }
  }
  return out;
}

}  // namespace

Status append_text_cell(Column& column, std::string_view text) {
  auto unreadable = [&] {
    // (The first bytes only: a hostile or broken database may answer megabytes in a cell.)
    constexpr size_t kShown = 80;
    return Status::invalid("the database answered '{}'{} where a {} was expected",
                           text.substr(0, kShown), text.size() > kShown ? "..." : "",
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

Result<size_t> row_count(const Column& answer) {
  if (answer.type() != DataType::kFloat || answer.size() != 1 || answer.is_null(0))
    return Status::invalid("the database answered no row count");
  const double count = answer.value<double>(0);
  if (!(count >= 0 && count <= 9007199254740992.0) || count != std::trunc(count))
    return Status::invalid("the database answered {} as a row count", count);
  return static_cast<size_t>(count);
}

Result<std::vector<Column>> read_tab_separated(std::string_view body,
                                               std::span<const DataType> types) {
  std::vector<Column> columns;
  for (const DataType type : types) columns.emplace_back(type);
  if (types.empty()) return columns;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = body.substr(start, end - start);
    size_t field_start = 0;
    for (size_t i = 0; i < columns.size(); ++i) {
      size_t field_end = line.find('\t', field_start);
      if (field_end == std::string_view::npos) field_end = line.size();
      const bool last = i + 1 == columns.size();
      if (last != (field_end == line.size())) {
        return Status::invalid("the database answered a row of {} columns where {} were asked for",
                               last ? "more" : std::to_string(i + 1), columns.size());
      }
      const std::string_view field = line.substr(field_start, field_end - field_start);
      if (field == "\\N") {
        columns[i].append_null();
      } else {
        PX_RETURN_IF_ERROR(append_text_cell(columns[i], unescape_tab_separated(field)));
      }
      field_start = field_end + 1;
    }
    start = end + 1;
  }
  return columns;
}

}  // namespace parallax
