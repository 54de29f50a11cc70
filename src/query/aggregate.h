// The aggregates a grouped view can apply to a column. Each is one descriptor in one registry
// (aggregate.cpp): its names, the types it takes, what it produces, how a group without rows
// shows it, how the grouped view keeps it current (running totals, rows kept in order, or
// recomputed) and its kernel (query/aggregates/, by family). Everything else (the view schema,
// to_arrow's integer widths, get_features, the differential generator through `parallax
// features`) reads the descriptors, so adding an aggregate is a kind, a descriptor, a kernel
// and a test.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/status.h"
#include "core/data_type.h"

namespace parallax {

class Column;

enum class AggregateKind : uint8_t {
  kSum,
  kAbsSum,  // |sum|
  kSumAbs,  // sum of |value|
  kSumNotNull,
  kAny,
  kAvg,  // also "mean"
  kCount,
  kDistinctCount,
  kDominant,
  kFirst,
  kLast,         // the last row in the order the reference walks a group's rows
  kLastByIndex,  // the row with the highest primary key
  kHigh,
  kLow,
  kMax,
  kMin,
  kHighMinusLow,
  kLastMinusFirst,
  kMedian,
  kQ1,
  kQ3,
  kPctSumParent,
  kPctSumTotal,
  kStddev,
  kVar,
  kUnique,
  kJoin,
  kWeightedMean,  // takes a weight column
  kMinBy,         // takes a column to minimise
  kMaxBy,
  kMul,  // the product; unlisted by the reference's get_features
  kEnd,  // not an aggregate: how many there are
};
inline constexpr size_t kAggregateKinds = static_cast<size_t>(AggregateKind::kEnd);

// A set of column types, one bit per DataType.
using TypeSet = uint8_t;
constexpr TypeSet type_bit(DataType type) {
  return static_cast<TypeSet>(1u << static_cast<unsigned>(type));
}
inline constexpr TypeSet kNumberTypes = type_bit(DataType::kInteger) | type_bit(DataType::kFloat);
inline constexpr TypeSet kOrderedTypes =
    kNumberTypes | type_bit(DataType::kDate) | type_bit(DataType::kDatetime);
inline constexpr TypeSet kTextTypes = type_bit(DataType::kString) | type_bit(DataType::kBoolean);
inline constexpr TypeSet kAllTypes = kOrderedTypes | kTextTypes;

// The type of the aggregated values.
enum class AggregateResult : uint8_t { kInput, kInteger, kFloat, kString };
// How to_arrow writes an integer result (the reference's widths).
enum class IntegerWidth : uint8_t { kInt32, kInt64, kUint32 };
// What a group without rows shows (the totals row when a filter keeps no row), as the
// reference: a number 0, the type's zero (for dates the reference's day zero), "" or null.
enum class EmptyValue : uint8_t { kNull, kZero, kTypeZero, kEmptyText };
// Aggregates that can take a row back out are kept as running totals (query/running_totals.h):
// which totals they read. kNone: recomputed, or kept in order.
enum class Retraction : uint8_t {
  kNone,
  kCount,         // the rows
  kSum,           // the sum of the values; null for a group without rows
  kSumOrZero,     // the sum, 0 for a group without rows
  kAbsOfSum,      // |the sum|
  kSumOfAbs,      // the sum of |each value|
  kMean,          // the sum over the values
  kWeightedMean,  // the sum of value * weight over the weights
  // The values' exact sum and sum of squares (RunningTotals::spread): the population variance,
  // or its square root
  kVariance,
  kDeviation,
};
// Non-retractable aggregates whose rows can be kept in order (query/ordered_rows.h): by what,
// and how the result is read off the ordered rows. kNone: recomputed over a touched group.
enum class OrderKey : uint8_t {
  kNone,
  kValue,         // by value, nulls first
  kWalk,          // the order the group's rows are walked
  kPicked,        // the rows "any" may pick first, then the walk
  kArgumentUp,    // by the argument, nulls first (min by)
  kArgumentDown,  // by the argument, highest first, nulls last (max by)
};
enum class OrderedRead : uint8_t {
  kFirst,      // the first row
  kLast,       // the last row
  kEnds,       // the first and the last row
  kExtremes,   // whether there is a null, the lowest value, the first row of the highest
  kQuantile,   // the row at `quantile` of the sorted rows
  kRunCount,   // how many runs of equal values
  kMostRows,   // the value of the longest run
  kRunFirsts,  // the first row of each run
};
enum class Percentage : uint8_t { kNone, kOfParent, kOfTotal };

struct AggregateDescriptor;
// Writes the aggregate of `input` over `rows` (at least one, in primary-key order) into `out`
// at `position`. `argument` is the weight / "by" column of the aggregates that take one.
// Percentages of sums write the plain sum; the view divides them once every sum is known.
using AggregateKernelFunction = void(const AggregateDescriptor& self, const Column& input,
                                     const Column* argument, std::span<const uint32_t> rows,
                                     Column& out, uint32_t position);
using AggregateKernel = AggregateKernelFunction*;

struct AggregateDescriptor {
  AggregateKind kind;
  std::string_view name;        // as the config names it
  std::string_view alias = "";  // another name for it, or none
  TypeSet accepts;              // the reference's get_features answer (or, unlisted, its engine)
  // Whether get_features lists it: the reference's engine takes some aggregates its menus do
  // not offer (`parallax features --unlisted` names them, for the differential generator).
  bool listed = true;
  // Accepted too, as by the reference, though get_features does not list them.
  std::string_view unlisted_alias = "";
  TypeSet unlisted_types = 0;
  AggregateKernel kernel;
  AggregateResult result = AggregateResult::kInput;
  bool schema_shows_input = false;  // the view's schema reports the input's type (join)
  bool takes_argument = false;      // a second column: weighted mean's weight, min by's "by"
  IntegerWidth arrow = IntegerWidth::kInt32;
  EmptyValue empty = EmptyValue::kNull;
  Retraction retraction = Retraction::kNone;
  OrderKey order_key = OrderKey::kNone;
  OrderedRead ordered_read = OrderedRead::kFirst;
  double quantile = 0;  // median 0.5, q1 0.25, q3 0.75
  // The reference reads a group's rows in its tree's order (its children's order), not in
  // primary-key order; which rows (or, for a product, which rounding) this aggregate shows
  // depends on it. Not sums and means: exact (query/exact_sum.h), in any order.
  bool tree_order = false;
  // The reference resends every group an update touched when a view shows this aggregate,
  // even those whose cells did not change (ROW-mode deltas).
  bool resent_when_touched = false;
  Percentage percentage = Percentage::kNone;
};

// Every aggregate, indexed by its kind.
std::span<const AggregateDescriptor> all_aggregates();
const AggregateDescriptor& descriptor(AggregateKind kind);

// What is wrong with a registry, or "" when nothing: a kind without its descriptor or out of
// place, a name given twice, a descriptor without a kernel or with contradicting ways of
// being kept. aggregate.cpp checks its registry with it at compile time.
constexpr std::string_view registry_problem(std::span<const AggregateDescriptor> registry) {
  if (registry.size() != kAggregateKinds) return "not one descriptor per kind";
  for (size_t i = 0; i < registry.size(); ++i) {
    const AggregateDescriptor& d = registry[i];
    if (static_cast<size_t>(d.kind) != i) return "a descriptor out of its kind's place";
    if (d.name.empty()) return "an aggregate without a name";
    if (d.kernel == nullptr) return "an aggregate without a kernel";
    if (d.accepts == 0) return "an aggregate that takes no type";
    if (d.retraction != Retraction::kNone && d.order_key != OrderKey::kNone)
      return "an aggregate both retracted and kept in order";
    if ((d.ordered_read == OrderedRead::kQuantile) != (d.quantile > 0))
      return "a quantile without its fraction, or a fraction without a quantile";
  }
  // Every name against every later one (the name and the aliases of each, in order).
  auto name_at = [&](size_t n) {
    const AggregateDescriptor& d = registry[n / 3];
    return n % 3 == 0 ? d.name : n % 3 == 1 ? d.alias : d.unlisted_alias;
  };
  for (size_t a = 0; a < 3 * registry.size(); ++a) {
    if (name_at(a).empty()) continue;
    for (size_t b = a + 1; b < 3 * registry.size(); ++b) {
      if (name_at(b) == name_at(a)) return "a name given twice";
    }
  }
  return "";
}

struct Aggregate {
  AggregateKind kind;
  std::optional<size_t> argument;  // the weight / "by" column, for those that take one
};

// The aggregate a column gets when the config names none: sum for numbers, count otherwise.
AggregateKind default_aggregate(DataType type);
// Parses a name ("sum", "last by index", "weighted mean", ...) and checks that `type` takes it.
Result<AggregateKind> aggregate_for(std::string_view name, DataType type);
inline bool aggregate_takes_argument(AggregateKind kind) {
  return descriptor(kind).takes_argument;
}
// pct sum parent / pct sum total: a sum shown as a share of another group's.
inline bool is_percentage(AggregateKind kind) {
  return descriptor(kind).percentage != Percentage::kNone;
}
// The type of the aggregated values.
DataType aggregate_result_type(AggregateKind kind, DataType input);
// The type the view's schema reports, which for "join" is the input's type, as the reference.
DataType aggregate_schema_type(AggregateKind kind, DataType input);

}  // namespace parallax
