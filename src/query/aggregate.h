// The aggregates a grouped view can apply to a column, which types each accepts and what
// type it produces, as the reference's get_features lists them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/data_type.h"

namespace parallax {

enum class AggregateKind {
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
};

struct Aggregate {
  AggregateKind kind;
  std::optional<size_t> argument;  // the weight / "by" column, for those that take one
};

// The aggregate a column gets when the config names none: sum for numbers, count otherwise.
AggregateKind default_aggregate(DataType type);
// Parses a name ("sum", "last by index", "weighted mean", ...) and checks that `type` takes it.
Result<AggregateKind> aggregate_for(std::string_view name, DataType type);
bool aggregate_takes_argument(AggregateKind kind);
// pct sum parent / pct sum total: a sum shown as a share of another group's.
bool is_percentage(AggregateKind kind);
// The type of the aggregated values.
DataType aggregate_result_type(AggregateKind kind, DataType input);
// The type the view's schema reports, which for "join" is the input's type, as the reference.
DataType aggregate_schema_type(AggregateKind kind, DataType input);

}  // namespace parallax
