// What a view shows: its columns, sort, filter (and, for later layers, grouping, aggregates
// and expressions). Parsed once from the request, validated against the table once.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/schema.h"
#include "query/expressions/limits.h"

namespace parallax {

// "col ..." directions sort split_by columns; views without split_by ignore them.
enum class SortDirection {
  kAscending,
  kDescending,
  kAscendingAbs,
  kDescendingAbs,
  kNone,
  kColumnAscending,
  kColumnDescending,
  kColumnAscendingAbs,
  kColumnDescendingAbs,
};

struct SortKey {
  std::string column;
  SortDirection direction;
  bool operator==(const SortKey&) const = default;
};

enum class FilterOp {
  kEqual,
  kNotEqual,
  kLess,
  kGreater,
  kLessEqual,
  kGreaterEqual,
  kBeginsWith,
  kContains,
  kEndsWith,
  kIn,
  kNotIn,
  kIsNull,
  kIsNotNull,
};

// A filter operand as the request spelled it, before it is read as the column's type.
struct FilterValue {
  enum class Kind { kNull, kBoolean, kNumber, kString };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;
  bool operator==(const FilterValue&) const = default;
};

struct FilterTerm {
  std::string column;
  FilterOp op;
  std::vector<FilterValue> values;  // one value, several for in / not in, none for is (not) null
  bool operator==(const FilterTerm&) const = default;
};

enum class FilterCombinator { kAnd, kOr };

// An aggregate chosen for a column: "sum", or one that takes a second column, as
// ["weighted mean", ["weight"]].
struct AggregateChoice {
  std::string column;
  std::string name;
  std::optional<std::string> argument;
  bool operator==(const AggregateChoice&) const = default;
};

struct ViewConfig {
  std::optional<std::vector<std::string>> columns;  // nullopt: every table column
  std::vector<std::string> group_by;
  std::vector<std::string> split_by;
  std::vector<SortKey> sort;
  std::vector<FilterTerm> filter;
  std::optional<FilterCombinator> filter_op;
  std::vector<AggregateChoice> aggregates;
  std::vector<std::pair<std::string, std::string>> expressions;  // name, expression text
  // How many group levels a grouped view shows when made (N: as set_depth(N - 1) then); 0 or
  // none: every level, as the reference. Echoed by get_config when given.
  std::optional<uint32_t> group_by_depth;
  // Not part of a request: the engine sets what its expressions may spend.
  ExpressionLimits expression_limits;
  // Field by field: configs that compare equal make views that read alike (api::Engine
  // shares one view between them).
  bool operator==(const ViewConfig&) const = default;
};

std::string_view sort_direction_name(SortDirection direction);
std::optional<SortDirection> sort_direction_from_name(std::string_view name);
std::string_view filter_op_name(FilterOp op);
std::optional<FilterOp> filter_op_from_name(std::string_view name);
// The name get_config answers with ("startswith" and "endswith" for the pattern ops).
std::string_view filter_op_config_name(FilterOp op);

// What every grouped view (in memory or virtual) reads of its config first: the positions
// of group_by and split_by in `schema`, every aggregate naming a column of it, and `columns`
// defaulted to all of its columns. An unknown name is refused ("group_by names unknown
// column 'x'").
struct PivotColumns {
  std::vector<size_t> group_by, split_by;
};
Result<PivotColumns> resolve_pivot(const Schema& schema, ViewConfig& config);

}  // namespace parallax
