#include "query/group_key.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include "core/temporal.h"

namespace parallax {

int64_t group_key_bits(const Column& column, uint32_t row) {
  return visit_type(column.type(), [&](auto tag) -> int64_t {
    using Storage = typename decltype(tag)::Storage;
    const Storage value = column.value<Storage>(row);
    if constexpr (std::is_same_v<Storage, double>) {
      const double normal = value == 0 ? 0.0 : value;  // -0 and 0 are one group
      int64_t bits;
      std::memcpy(&bits, &normal, sizeof bits);
      return bits;
    } else {
      return static_cast<int64_t>(value);
    }
  });
}

void append_group_key(std::string& path, const Column& column, uint32_t row) {
  const bool valid = column.is_valid(row);
  const int64_t bits = valid ? group_key_bits(column, row) : 0;
  path += valid ? '1' : '0';
  path.append(reinterpret_cast<const char*>(&bits), sizeof bits);
}

std::string value_text(const Column& column, uint32_t row) {
  if (column.is_null(row)) return "null";
  switch (column.type()) {
    case DataType::kBoolean:
      return column.value<uint8_t>(row) ? "true" : "false";
    case DataType::kInteger:
      return std::to_string(column.value<int32_t>(row));
    case DataType::kFloat: {
      // A stream's default, as the reference: six significant digits.
      char text[32];
      std::snprintf(text, sizeof text, "%g", column.value<double>(row));
      return text;
    }
    case DataType::kString:
      return std::string(column.string_at(row));
    case DataType::kDate:
      return format_date_iso(column.value<int32_t>(row));
    case DataType::kDatetime:
      return format_datetime_iso(column.value<int64_t>(row));
  }
  return {};
}

int compare_cells(const Column& a_column, uint32_t a, const Column& b_column, uint32_t b,
                  bool abs) {
  const bool a_null = a_column.is_null(a), b_null = b_column.is_null(b);
  const bool numbers = a_column.type() != DataType::kString;
  if ((a_null || b_null) && !(abs && numbers))
    return int(b_null) - int(a_null) == 0 ? 0 : (a_null ? -1 : 1);
  return visit_type(a_column.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      const int order = a_column.string_at(a).compare(b_column.string_at(b));
      return order < 0 ? -1 : order > 0 ? 1 : 0;
    } else {
      double x = a_null ? 0.0 : static_cast<double>(a_column.value<Storage>(a));
      double y = b_null ? 0.0 : static_cast<double>(b_column.value<Storage>(b));
      if (abs) x = std::fabs(x), y = std::fabs(y);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  });
}

}  // namespace parallax
