// The six column types of the engine and their physical storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace parallax {

enum class DataType : uint8_t { kBoolean, kInteger, kFloat, kString, kDate, kDatetime };

// The reference's type names: "boolean", "integer", "float", "string", "date", "datetime".
std::string_view type_name(DataType type);
std::optional<DataType> type_from_name(std::string_view name);

// Physical storage of each type. Strings are codes into the column's dictionary; dates are
// days since 1970-01-01; datetimes are UTC milliseconds since the epoch.
template <DataType T>
struct TypeTraits;
template <>
struct TypeTraits<DataType::kBoolean> {
  using Storage = uint8_t;
};
template <>
struct TypeTraits<DataType::kInteger> {
  using Storage = int32_t;
};
template <>
struct TypeTraits<DataType::kFloat> {
  using Storage = double;
};
template <>
struct TypeTraits<DataType::kString> {
  using Storage = uint32_t;
};
template <>
struct TypeTraits<DataType::kDate> {
  using Storage = int32_t;
};
template <>
struct TypeTraits<DataType::kDatetime> {
  using Storage = int64_t;
};

template <DataType T>
struct TypeTag {
  static constexpr DataType kType = T;
  using Storage = typename TypeTraits<T>::Storage;
};

// Calls visitor(TypeTag<T>{}) for the runtime type: code is chosen once per column, then
// runs typed loops, instead of switching per cell.
template <typename Visitor>
decltype(auto) visit_type(DataType type, Visitor&& visitor) {
  switch (type) {
    case DataType::kBoolean:
      return visitor(TypeTag<DataType::kBoolean>{});
    case DataType::kInteger:
      return visitor(TypeTag<DataType::kInteger>{});
    case DataType::kFloat:
      return visitor(TypeTag<DataType::kFloat>{});
    case DataType::kString:
      return visitor(TypeTag<DataType::kString>{});
    case DataType::kDate:
      return visitor(TypeTag<DataType::kDate>{});
    case DataType::kDatetime:
      break;
  }
  return visitor(TypeTag<DataType::kDatetime>{});
}

}  // namespace parallax
