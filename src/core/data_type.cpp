#include "core/data_type.h"

#include <array>
#include <utility>

namespace parallax {

namespace {
constexpr std::array<std::pair<DataType, std::string_view>, 6> kNames{{
    {DataType::kBoolean, "boolean"},
    {DataType::kInteger, "integer"},
    {DataType::kFloat, "float"},
    {DataType::kString, "string"},
    {DataType::kDate, "date"},
    {DataType::kDatetime, "datetime"},
}};
}  // namespace

std::string_view type_name(DataType type) {
  for (const auto& [candidate, name] : kNames) {
    if (candidate == type) return name;
  }
  return "unknown";
}

std::optional<DataType> type_from_name(std::string_view name) {
  for (const auto& [type, candidate] : kNames) {
    if (candidate == name) return type;
  }
  return std::nullopt;
}

}  // namespace parallax
