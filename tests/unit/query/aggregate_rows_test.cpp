// Aggregate kernels over a group's rows, for the null rules found by probing the reference.
#include "query/aggregate_rows.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "columns.h"

namespace parallax {
namespace {

// Integers 3, null, 1, 3.
Column with_a_null() {
  return test::integer_column({3, std::nullopt, 1, 3});
}

std::optional<int32_t> aggregate(AggregateKind kind, const std::vector<uint32_t>& rows) {
  const Column input = with_a_null();
  Column out(aggregate_result_type(kind, input.type()));
  out.resize(1);
  aggregate_rows(kind, input, nullptr, rows, out, 0);
  if (out.is_null(0)) return std::nullopt;
  return out.value<int32_t>(0);
}

TEST(AggregateRows, NullsOrderBelowEveryValue) {
  const std::vector<uint32_t> all = {0, 1, 2, 3}, values = {0, 2, 3}, null = {1};
  // One null is the minimum; max skips it, and is null only when every cell is.
  EXPECT_EQ(aggregate(AggregateKind::kMin, all), std::nullopt);
  EXPECT_EQ(aggregate(AggregateKind::kMin, values), 1);
  EXPECT_EQ(aggregate(AggregateKind::kMax, all), 3);
  EXPECT_EQ(aggregate(AggregateKind::kMax, null), std::nullopt);
  // Median and quartiles index the values sorted nulls first: [null, 1, 3, 3].
  EXPECT_EQ(aggregate(AggregateKind::kMedian, all), 3);
  EXPECT_EQ(aggregate(AggregateKind::kQ1, all), 1);
  // A null is one more distinct value; high and low take it as zero.
  EXPECT_EQ(aggregate(AggregateKind::kDistinctCount, all), 3);
  EXPECT_EQ(aggregate(AggregateKind::kHigh, all), 3);
  EXPECT_EQ(aggregate(AggregateKind::kLow, all), 0);
  EXPECT_EQ(aggregate(AggregateKind::kUnique, {0, 3}), 3);
  EXPECT_EQ(aggregate(AggregateKind::kUnique, {0, 1}), std::nullopt);
}

// Every kernel over one group, against the reference's answers for the same rows (probed:
// a view grouping these five rows, each aggregate, its totals row). Values v, weights w (the
// "by" / weight argument) and strings s; rows in primary-key order.
struct KernelCase {
  AggregateKind kind;
  std::optional<double> expected;
};

using test::float_column;

using K = AggregateKind;
const KernelCase kNumberCases[] = {
    {K::kSum, 9},
    {K::kAbsSum, 9},
    {K::kSumAbs, 17},
    {K::kSumNotNull, 9},
    {K::kAny, 2.5},
    {K::kAvg, 2.25},
    {K::kCount, 5},
    {K::kDistinctCount, 4},
    {K::kDominant, 2.5},
    {K::kFirst, 2.5},
    {K::kLast, 8},
    {K::kLastByIndex, 8},
    {K::kHigh, 8},
    {K::kLow, -4},
    {K::kMax, 8},
    {K::kMin, std::nullopt},  // a null is the minimum
    {K::kHighMinusLow, std::nullopt},
    {K::kLastMinusFirst, 5.5},
    {K::kMedian, 2.5},
    {K::kQ1, -4},
    {K::kQ3, 2.5},
    {K::kStddev, 4.25},
    {K::kVar, 18.0625},
    {K::kUnique, std::nullopt},
    {K::kWeightedMean, -1.8333333333333333},
    // Percentages: the kernel writes the plain sum; the view divides by the parent's.
    {K::kPctSumParent, 9},
    {K::kPctSumTotal, 9},
    {K::kMul, 0},  // the null counts as 0
};

TEST(AggregateRows, EveryNumberKernelAnswersAsTheReference) {
  const Column v = float_column({2.5, std::nullopt, -4.0, 2.5, 8.0});
  const Column w = float_column({1.0, 2.0, 3.0, 0.5, std::nullopt});
  const std::vector<uint32_t> rows = {0, 1, 2, 3, 4};
  for (const auto& [kind, expected] : kNumberCases) {
    Column out(aggregate_result_type(kind, DataType::kFloat));
    out.resize(1);
    aggregate_rows(kind, v, aggregate_takes_argument(kind) ? &w : nullptr, rows, out, 0);
    SCOPED_TRACE(static_cast<int>(kind));
    ASSERT_EQ(out.is_null(0), !expected.has_value());
    if (expected) EXPECT_DOUBLE_EQ(numeric_cell(out, 0), *expected);
  }
}

const std::pair<AggregateKind, std::optional<std::string>> kTextCases[] = {
    {K::kAny, "b"},    {K::kFirst, "b"}, {K::kLast, "c"},     {K::kLastByIndex, "c"},
    {K::kMedian, "b"}, {K::kQ1, "a"},    {K::kQ3, "b"},       {K::kUnique, std::nullopt},
    {K::kMinBy, "c"},  {K::kMaxBy, "a"}, {K::kDominant, "b"}, {K::kJoin, "null, a, b, c"},
};

TEST(AggregateRows, EveryTextKernelAnswersAsTheReference) {
  const Column s = test::string_column({"b", std::nullopt, "a", "b", "c"});
  const Column w = float_column({1.0, 2.0, 3.0, 0.5, std::nullopt});
  const std::vector<uint32_t> rows = {0, 1, 2, 3, 4};
  for (const auto& [kind, expected] : kTextCases) {
    Column out(aggregate_result_type(kind, DataType::kString));
    out.resize(1);
    aggregate_rows(kind, s, aggregate_takes_argument(kind) ? &w : nullptr, rows, out, 0);
    SCOPED_TRACE(static_cast<int>(kind));
    ASSERT_EQ(out.is_null(0), !expected.has_value());
    if (expected) EXPECT_EQ(out.string_at(0), *expected);
  }
  for (const AggregateKind kind : {K::kCount, K::kDistinctCount}) {
    Column out(aggregate_result_type(kind, DataType::kString));
    out.resize(1);
    aggregate_rows(kind, s, nullptr, rows, out, 0);
    EXPECT_EQ(numeric_cell(out, 0), kind == K::kCount ? 5 : 4);
  }
}

// Adding an aggregate means adding its case above: every one in the registry has one.
TEST(AggregateRows, EveryAggregateOfTheRegistryHasAKernelCase) {
  for (const AggregateDescriptor& aggregate : all_aggregates()) {
    const bool number = std::any_of(std::begin(kNumberCases), std::end(kNumberCases),
                                    [&](const KernelCase& c) { return c.kind == aggregate.kind; });
    const bool text = std::any_of(std::begin(kTextCases), std::end(kTextCases),
                                  [&](const auto& c) { return c.first == aggregate.kind; });
    EXPECT_TRUE(number || text) << aggregate.name << " has no kernel case";
  }
}

}  // namespace
}  // namespace parallax
