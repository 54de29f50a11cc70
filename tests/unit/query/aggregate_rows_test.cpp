// Aggregate kernels over a group's rows, for the null rules found by probing the reference.
#include "query/aggregate_rows.h"

#include <optional>
#include <vector>

#include <gtest/gtest.h>

namespace parallax {
namespace {

// Integers 3, null, 1, 3.
Column with_a_null() {
  Column column(DataType::kInteger);
  column.append<int32_t>(3);
  column.append_null();
  column.append<int32_t>(1);
  column.append<int32_t>(3);
  return column;
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

}  // namespace
}  // namespace parallax
