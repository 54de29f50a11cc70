#include "query/view_config.h"

#include <array>
#include <utility>

namespace parallax {

namespace {

constexpr std::array<std::pair<SortDirection, std::string_view>, 9> kSortNames{{
    {SortDirection::kAscending, "asc"},
    {SortDirection::kDescending, "desc"},
    {SortDirection::kAscendingAbs, "asc abs"},
    {SortDirection::kDescendingAbs, "desc abs"},
    {SortDirection::kNone, "none"},
    {SortDirection::kColumnAscending, "col asc"},
    {SortDirection::kColumnDescending, "col desc"},
    {SortDirection::kColumnAscendingAbs, "col asc abs"},
    {SortDirection::kColumnDescendingAbs, "col desc abs"},
}};

constexpr std::array<std::pair<FilterOp, std::string_view>, 13> kFilterNames{{
    {FilterOp::kEqual, "=="},
    {FilterOp::kNotEqual, "!="},
    {FilterOp::kLess, "<"},
    {FilterOp::kGreater, ">"},
    {FilterOp::kLessEqual, "<="},
    {FilterOp::kGreaterEqual, ">="},
    {FilterOp::kBeginsWith, "begins with"},
    {FilterOp::kContains, "contains"},
    {FilterOp::kEndsWith, "ends with"},
    {FilterOp::kIn, "in"},
    {FilterOp::kNotIn, "not in"},
    {FilterOp::kIsNull, "is null"},
    {FilterOp::kIsNotNull, "is not null"},
}};

template <typename Enum, size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                         Enum value) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "";
}

template <typename Enum, size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                             std::string_view name) {
  for (const auto& [value, candidate] : names) {
    if (candidate == name) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view sort_direction_name(SortDirection direction) {
  return name_of(kSortNames, direction);
}
std::optional<SortDirection> sort_direction_from_name(std::string_view name) {
  return value_of(kSortNames, name);
}
std::string_view filter_op_name(FilterOp op) {
  return name_of(kFilterNames, op);
}
std::optional<FilterOp> filter_op_from_name(std::string_view name) {
  // The reference also accepts the spellings its get_config answers with.
  if (name == "startswith") return FilterOp::kBeginsWith;
  if (name == "endswith") return FilterOp::kEndsWith;
  return value_of(kFilterNames, name);
}

std::string_view filter_op_config_name(FilterOp op) {
  if (op == FilterOp::kBeginsWith) return "startswith";
  if (op == FilterOp::kEndsWith) return "endswith";
  return filter_op_name(op);
}

Result<PivotColumns> resolve_pivot(const Schema& schema, ViewConfig& config) {
  PivotColumns pivot;
  for (const auto& name : config.group_by) {
    auto position = schema.find(name);
    if (!position) return Status::invalid("group_by names unknown column '{}'", name);
    pivot.group_by.push_back(*position);
  }
  for (const auto& name : config.split_by) {
    auto position = schema.find(name);
    if (!position) return Status::invalid("split_by names unknown column '{}'", name);
    pivot.split_by.push_back(*position);
  }
  for (const auto& choice : config.aggregates) {
    if (!schema.find(choice.column))
      return Status::invalid("aggregates name unknown column '{}'", choice.column);
  }
  if (!config.columns) {
    std::vector<std::string> names;
    for (const auto& field : schema.fields()) names.push_back(field.name);
    config.columns = std::move(names);
  }
  return pivot;
}

}  // namespace parallax
