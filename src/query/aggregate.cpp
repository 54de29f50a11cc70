// The registry: one descriptor per aggregate (aggregate.h says what each field means), checked
// when this file compiles.
#include "query/aggregate.h"

#include <array>

#include "query/aggregates/kernels.h"

namespace parallax {

namespace {

using K = AggregateKind;
using R = AggregateResult;
namespace kernel = aggregates;

constexpr TypeSet kNumbers = kNumberTypes;

constexpr std::array<AggregateDescriptor, kAggregateKinds> kRegistry{{
    {.kind = K::kSum,
     .name = "sum",
     .accepts = kNumbers,
     .kernel = kernel::sum,
     .arrow = IntegerWidth::kInt64,
     .retraction = Retraction::kSum},
    {.kind = K::kAbsSum,
     .name = "abs sum",
     .accepts = kNumbers,
     .kernel = kernel::abs_sum,
     .arrow = IntegerWidth::kInt64,
     .empty = EmptyValue::kZero,
     .retraction = Retraction::kAbsOfSum},
    {.kind = K::kSumAbs,
     .name = "sum abs",
     .accepts = kNumbers,
     .kernel = kernel::sum_abs,
     .arrow = IntegerWidth::kInt64,
     .empty = EmptyValue::kZero,
     .retraction = Retraction::kSumOfAbs},
    {.kind = K::kSumNotNull,
     .name = "sum not null",
     .accepts = kNumbers,
     .kernel = kernel::sum,
     .arrow = IntegerWidth::kInt64,
     .empty = EmptyValue::kZero,
     .retraction = Retraction::kSumOrZero},
    {.kind = K::kAny,
     .name = "any",
     .accepts = kAllTypes,
     .kernel = kernel::any_value,
     .empty = EmptyValue::kTypeZero,
     .order_key = OrderKey::kPicked,
     .tree_order = true},
    // The reference lists avg for dates, then fails to make the view ("Unexpected dtype").
    {.kind = K::kAvg,
     .name = "avg",
     .alias = "mean",
     .accepts = kNumbers,
     .kernel = kernel::mean,
     .result = R::kFloat,
     .retraction = Retraction::kMean},
    {.kind = K::kCount,
     .name = "count",
     .accepts = kAllTypes,
     .kernel = kernel::count,
     .result = R::kInteger,
     .arrow = IntegerWidth::kInt64,
     .empty = EmptyValue::kZero,
     .retraction = Retraction::kCount,
     .resent_when_touched = true},
    {.kind = K::kDistinctCount,
     .name = "distinct count",
     .accepts = kAllTypes,
     .kernel = kernel::distinct_count,
     .result = R::kInteger,
     .arrow = IntegerWidth::kUint32,
     .empty = EmptyValue::kZero,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kRunCount},
    {.kind = K::kDominant,
     .name = "dominant",
     .accepts = kAllTypes,
     .kernel = kernel::dominant,
     .empty = EmptyValue::kTypeZero,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kMostRows},
    {.kind = K::kFirst,
     .name = "first",
     .accepts = kAllTypes,
     .kernel = kernel::first,
     .empty = EmptyValue::kTypeZero,
     .order_key = OrderKey::kWalk},
    {.kind = K::kLast,
     .name = "last",
     .accepts = kAllTypes,
     .kernel = kernel::last,
     .empty = EmptyValue::kTypeZero,
     .order_key = OrderKey::kWalk,
     .ordered_read = OrderedRead::kLast,
     .tree_order = true,
     .resent_when_touched = true},
    {.kind = K::kLastByIndex,
     .name = "last by index",
     .accepts = kAllTypes,
     .kernel = kernel::last,
     .empty = EmptyValue::kTypeZero,
     .order_key = OrderKey::kWalk,
     .ordered_read = OrderedRead::kLast},
    {.kind = K::kHigh,
     .name = "high",
     .accepts = kOrderedTypes,
     .kernel = kernel::high,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kExtremes},
    {.kind = K::kLow,
     .name = "low",
     .accepts = kOrderedTypes,
     .kernel = kernel::low,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kExtremes},
    {.kind = K::kMax,
     .name = "max",
     .accepts = kOrderedTypes,
     .kernel = kernel::max_value,
     .empty = EmptyValue::kTypeZero,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kExtremes},
    {.kind = K::kMin,
     .name = "min",
     .accepts = kOrderedTypes,
     .kernel = kernel::min_value,
     .empty = EmptyValue::kTypeZero,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kExtremes},
    {.kind = K::kHighMinusLow,
     .name = "high minus low",
     .accepts = kNumbers,
     .kernel = kernel::high_minus_low,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kExtremes},
    {.kind = K::kLastMinusFirst,
     .name = "last minus first",
     .accepts = kNumbers,
     .kernel = kernel::last_minus_first,
     .order_key = OrderKey::kWalk,
     .ordered_read = OrderedRead::kEnds},
    {.kind = K::kMedian,
     .name = "median",
     .accepts = kAllTypes,
     .kernel = kernel::quantile,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kQuantile,
     .quantile = 0.5},
    {.kind = K::kQ1,
     .name = "q1",
     .accepts = kAllTypes,
     .kernel = kernel::quantile,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kQuantile,
     .quantile = 0.25},
    {.kind = K::kQ3,
     .name = "q3",
     .accepts = kAllTypes,
     .kernel = kernel::quantile,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kQuantile,
     .quantile = 0.75},
    {.kind = K::kPctSumParent,
     .name = "pct sum parent",
     .accepts = kNumbers,
     .kernel = kernel::sum,
     .result = R::kFloat,
     .arrow = IntegerWidth::kInt64,
     .retraction = Retraction::kSumOrZero,
     .percentage = Percentage::kOfParent},
    {.kind = K::kPctSumTotal,
     .name = "pct sum total",
     .accepts = kNumbers,
     .unlisted_alias = "pct sum grand total",
     .kernel = kernel::sum,
     .result = R::kFloat,
     .arrow = IntegerWidth::kInt64,
     .retraction = Retraction::kSumOrZero,
     .percentage = Percentage::kOfTotal},
    // The values' exact sum and sum of squares (query/exact_spread.h), which the kernel reads
    // too: big groups take a row out exactly, and read as a fresh computation.
    {.kind = K::kStddev,
     .name = "stddev",
     .accepts = kNumbers,
     .kernel = kernel::deviation,
     .result = R::kFloat,
     .retraction = Retraction::kDeviation},
    {.kind = K::kVar,
     .name = "var",
     .accepts = kNumbers,
     .kernel = kernel::variance,
     .result = R::kFloat,
     .retraction = Retraction::kVariance},
    {.kind = K::kUnique,
     .name = "unique",
     .accepts = kAllTypes,
     .kernel = kernel::unique_value,
     .empty = EmptyValue::kTypeZero,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kEnds},
    {.kind = K::kJoin,
     .name = "join",
     .accepts = kTextTypes,
     .unlisted_types = kOrderedTypes,  // their texts as split names: %g, ISO dates
     .kernel = kernel::join_text,
     .result = R::kString,
     .schema_shows_input = true,
     .empty = EmptyValue::kEmptyText,
     .order_key = OrderKey::kValue,
     .ordered_read = OrderedRead::kRunFirsts},
    {.kind = K::kWeightedMean,
     .name = "weighted mean",
     .accepts = kNumbers,
     .kernel = kernel::weighted_mean,
     .result = R::kFloat,
     .takes_argument = true,
     .retraction = Retraction::kWeightedMean},
    {.kind = K::kMinBy,
     .name = "min by",
     .accepts = kTextTypes,
     .kernel = kernel::min_by,
     .takes_argument = true,
     .empty = EmptyValue::kTypeZero,
     .order_key = OrderKey::kArgumentUp,
     .tree_order = true},
    {.kind = K::kMaxBy,
     .name = "max by",
     .accepts = kTextTypes,
     .kernel = kernel::max_by,
     .takes_argument = true,
     .empty = EmptyValue::kTypeZero,
     .order_key = OrderKey::kArgumentDown,
     .tree_order = true},
    // Integers are refused: their products leave the 32-bit integer (docs/differences.md).
    {.kind = K::kMul,
     .name = "mul",
     .accepts = type_bit(DataType::kFloat),
     .listed = false,
     .kernel = kernel::product,
     .tree_order = true},
}};

static_assert(registry_problem(kRegistry).empty(), "the aggregate registry is inconsistent");

bool is_numeric(DataType type) {
  return type == DataType::kInteger || type == DataType::kFloat;
}

}  // namespace

std::span<const AggregateDescriptor> all_aggregates() {
  return kRegistry;
}

const AggregateDescriptor& descriptor(AggregateKind kind) {
  return kRegistry[static_cast<size_t>(kind)];
}

AggregateKind default_aggregate(DataType type) {
  return is_numeric(type) ? AggregateKind::kSum : AggregateKind::kCount;
}

Result<AggregateKind> aggregate_for(std::string_view name, DataType type) {
  for (const AggregateDescriptor& aggregate : kRegistry) {
    if (name.empty()) break;  // (the empty alias of those without one)
    if (aggregate.name != name && aggregate.alias != name && aggregate.unlisted_alias != name)
      continue;
    if (((aggregate.accepts | aggregate.unlisted_types) & type_bit(type)) == 0)
      return Status::invalid("aggregate '{}' does not apply to a {} column", name, type_name(type));
    return aggregate.kind;
  }
  return Status::invalid("unknown aggregate '{}'", name);
}

DataType aggregate_result_type(AggregateKind kind, DataType input) {
  switch (descriptor(kind).result) {
    case R::kInput:
      return input;
    case R::kInteger:
      return DataType::kInteger;
    case R::kFloat:
      return DataType::kFloat;
    case R::kString:
      return DataType::kString;
  }
  return input;
}

DataType aggregate_schema_type(AggregateKind kind, DataType input) {
  return descriptor(kind).schema_shows_input ? input : aggregate_result_type(kind, input);
}

}  // namespace parallax
