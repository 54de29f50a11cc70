// Aggregate kernels over a group's rows, for the rules found by probing the reference.
#include "query/aggregate_rows.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace parallax {
namespace {

// Integers 3, null, 1, high null, 3.
Column with_both_nulls() {
  Column column(DataType::kInteger);
  column.append<int32_t>(3);
  column.append_null();
  column.append<int32_t>(1);
  column.append_null();
  column.append<int32_t>(3);
  column.set_high_null(3);
  return column;
}

Column aggregate(AggregateKind kind, const Column& input, const std::vector<uint32_t>& rows) {
  Column out(aggregate_result_type(kind, input.type()));
  out.resize(1);
  aggregate_rows(kind, input, nullptr, rows, out, 0);
  return out;
}

std::optional<int32_t> integer(const Column& column) {
  if (column.is_null(0)) return std::nullopt;
  return column.value<int32_t>(0);
}

TEST(AggregateRows, NullsOrderBelowEveryValueAndHighNullsAbove) {
  const Column input = with_both_nulls();
  const std::vector<uint32_t> low_only = {0, 1, 2}, high_only = {0, 2, 3}, all = {0, 1, 2, 3, 4};
  // min and max take nulls part: a null is the minimum, a high null the maximum.
  EXPECT_EQ(integer(aggregate(AggregateKind::kMin, input, low_only)), std::nullopt);
  EXPECT_EQ(integer(aggregate(AggregateKind::kMax, input, low_only)), 3);
  EXPECT_EQ(integer(aggregate(AggregateKind::kMin, input, high_only)), 1);
  EXPECT_EQ(integer(aggregate(AggregateKind::kMax, input, high_only)), std::nullopt);
  EXPECT_TRUE(aggregate(AggregateKind::kMax, input, high_only).is_high_null(0));
  // The median of [1, 3, high null] is 3, of [null, 1, 3] 1.
  EXPECT_EQ(integer(aggregate(AggregateKind::kMedian, input, high_only)), 3);
  EXPECT_EQ(integer(aggregate(AggregateKind::kMedian, input, low_only)), 1);
  // The two kinds of null are two distinct values.
  EXPECT_EQ(integer(aggregate(AggregateKind::kDistinctCount, input, all)), 4);
  EXPECT_EQ(integer(aggregate(AggregateKind::kDistinctCount, input, {1, 3})), 2);
  EXPECT_EQ(integer(aggregate(AggregateKind::kDistinctCount, input, {1, 1})), 1);
  // Never picked by high/low, which take a null as zero.
  EXPECT_EQ(integer(aggregate(AggregateKind::kHigh, input, high_only)), 3);
  EXPECT_EQ(integer(aggregate(AggregateKind::kLow, input, high_only)), 0);
}

}  // namespace
}  // namespace parallax
