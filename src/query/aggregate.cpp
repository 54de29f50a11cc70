#include "query/aggregate.h"

#include <array>
#include <utility>

namespace parallax {

namespace {

constexpr std::array<std::pair<std::string_view, AggregateKind>, 31> kNames{{
    {"sum", AggregateKind::kSum},
    {"abs sum", AggregateKind::kAbsSum},
    {"sum abs", AggregateKind::kSumAbs},
    {"sum not null", AggregateKind::kSumNotNull},
    {"any", AggregateKind::kAny},
    {"avg", AggregateKind::kAvg},
    {"mean", AggregateKind::kAvg},
    {"count", AggregateKind::kCount},
    {"distinct count", AggregateKind::kDistinctCount},
    {"dominant", AggregateKind::kDominant},
    {"first", AggregateKind::kFirst},
    {"last", AggregateKind::kLast},
    {"last by index", AggregateKind::kLastByIndex},
    {"high", AggregateKind::kHigh},
    {"low", AggregateKind::kLow},
    {"max", AggregateKind::kMax},
    {"min", AggregateKind::kMin},
    {"high minus low", AggregateKind::kHighMinusLow},
    {"last minus first", AggregateKind::kLastMinusFirst},
    {"median", AggregateKind::kMedian},
    {"q1", AggregateKind::kQ1},
    {"q3", AggregateKind::kQ3},
    {"pct sum parent", AggregateKind::kPctSumParent},
    {"pct sum total", AggregateKind::kPctSumTotal},
    {"stddev", AggregateKind::kStddev},
    {"var", AggregateKind::kVar},
    {"unique", AggregateKind::kUnique},
    {"join", AggregateKind::kJoin},
    {"weighted mean", AggregateKind::kWeightedMean},
    {"min by", AggregateKind::kMinBy},
    {"max by", AggregateKind::kMaxBy},
}};

bool is_numeric(DataType type) {
  return type == DataType::kInteger || type == DataType::kFloat;
}
bool is_temporal(DataType type) {
  return type == DataType::kDate || type == DataType::kDatetime;
}

// Which types take each aggregate (the reference's get_features answer).
bool accepts(AggregateKind kind, DataType type) {
  using K = AggregateKind;
  switch (kind) {
    case K::kCount:
    case K::kAny:
    case K::kDistinctCount:
    case K::kDominant:
    case K::kFirst:
    case K::kLast:
    case K::kLastByIndex:
    case K::kMedian:
    case K::kQ1:
    case K::kQ3:
    case K::kUnique:
      return true;
    case K::kJoin:
    case K::kMinBy:
    case K::kMaxBy:
      return type == DataType::kString || type == DataType::kBoolean;
    case K::kHigh:
    case K::kLow:
    case K::kMax:
    case K::kMin:
      return is_numeric(type) || is_temporal(type);
    // The reference lists avg for dates, then fails to make the view ("Unexpected dtype").
    case K::kAvg:
    case K::kSum:
    case K::kAbsSum:
    case K::kSumAbs:
    case K::kSumNotNull:
    case K::kHighMinusLow:
    case K::kLastMinusFirst:
    case K::kPctSumParent:
    case K::kPctSumTotal:
    case K::kStddev:
    case K::kVar:
    case K::kWeightedMean:
      return is_numeric(type);
  }
  return false;
}

}  // namespace

AggregateKind default_aggregate(DataType type) {
  return is_numeric(type) ? AggregateKind::kSum : AggregateKind::kCount;
}

Result<AggregateKind> aggregate_for(std::string_view name, DataType type) {
  for (const auto& [known, kind] : kNames) {
    if (known != name) continue;
    if (!accepts(kind, type))
      return Status::invalid("aggregate '{}' does not apply to a {} column", name, type_name(type));
    return kind;
  }
  return Status::invalid("unknown aggregate '{}'", name);
}

bool aggregate_takes_argument(AggregateKind kind) {
  return kind == AggregateKind::kWeightedMean || kind == AggregateKind::kMinBy ||
         kind == AggregateKind::kMaxBy;
}

bool is_percentage(AggregateKind kind) {
  return kind == AggregateKind::kPctSumParent || kind == AggregateKind::kPctSumTotal;
}

DataType aggregate_result_type(AggregateKind kind, DataType input) {
  using K = AggregateKind;
  switch (kind) {
    case K::kCount:
    case K::kDistinctCount:
      return DataType::kInteger;
    case K::kAvg:
    case K::kPctSumParent:
    case K::kPctSumTotal:
    case K::kStddev:
    case K::kVar:
    case K::kWeightedMean:
      return DataType::kFloat;
    case K::kJoin:
      return DataType::kString;
    default:
      return input;
  }
}

DataType aggregate_schema_type(AggregateKind kind, DataType input) {
  return kind == AggregateKind::kJoin ? input : aggregate_result_type(kind, input);
}

}  // namespace parallax
