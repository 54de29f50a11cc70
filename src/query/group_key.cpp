#include "query/group_key.h"

#include <cstdio>
#include <cstring>

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

}  // namespace parallax
