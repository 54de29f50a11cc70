// Each retractable aggregate, kept as running totals, must write what aggregate_rows writes
// over the rows that remain after adds and retractions.
#include "query/running_totals.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "columns.h"

#include "query/aggregate_rows.h"

namespace parallax {
namespace {

using test::float_column;

TEST(RunningTotals, RetractingRowsLeavesTheAggregateOfTheRest) {
  const Column values = float_column({1.5, std::nullopt, -4.0, 2.5, 8.0, std::nullopt});
  const Column weights = float_column({2.0, 1.0, std::nullopt, 0.5, 1.0, 3.0});
  const AggregateKind kinds[] = {
      AggregateKind::kSum,          AggregateKind::kAbsSum,      AggregateKind::kSumAbs,
      AggregateKind::kSumNotNull,   AggregateKind::kAvg,         AggregateKind::kCount,
      AggregateKind::kPctSumParent, AggregateKind::kPctSumTotal, AggregateKind::kWeightedMean};
  const std::vector<uint32_t> remaining = {0, 1, 3, 5};  // rows 2 and 4 retracted
  for (const AggregateKind kind : kinds) {
    ASSERT_TRUE(is_retractable(kind));
    RunningTotals totals;
    for (uint32_t row = 0; row < values.size(); ++row) totals.add(kind, values, &weights, row, 1);
    totals.add(kind, values, &weights, 2, -1);
    totals.add(kind, values, &weights, 4, -1);
    Column expected(aggregate_result_type(kind, DataType::kFloat));
    Column actual(expected.type());
    expected.resize(1);
    actual.resize(1);
    aggregate_rows(kind, values, &weights, remaining, expected, 0);
    totals.write(kind, actual, 0, true);
    ASSERT_EQ(expected.is_null(0), actual.is_null(0)) << static_cast<int>(kind);
    if (expected.type() == DataType::kInteger) {
      EXPECT_EQ(expected.value<int32_t>(0), actual.value<int32_t>(0)) << static_cast<int>(kind);
    } else if (!expected.is_null(0)) {
      EXPECT_DOUBLE_EQ(expected.value<double>(0), actual.value<double>(0))
          << static_cast<int>(kind);
    }
  }
}

TEST(RunningTotals, AnEmptyGroupShowsWhatTheReferenceShows) {
  const Column values = float_column({3.0});
  Column out(DataType::kFloat);
  out.resize(3);
  RunningTotals totals;
  totals.add(AggregateKind::kSumNotNull, values, nullptr, 0, 1);
  totals.add(AggregateKind::kSumNotNull, values, nullptr, 0, -1);
  totals.write(AggregateKind::kSumNotNull, out, 0, true);   // asked: null
  totals.write(AggregateKind::kSumNotNull, out, 1, false);  // "sum not null" of nothing: 0
  totals.write(AggregateKind::kSum, out, 2, false);         // "sum" of nothing: null
  EXPECT_TRUE(out.is_null(0));
  EXPECT_EQ(out.value<double>(1), 0.0);
  EXPECT_TRUE(out.is_null(2));
}

TEST(RunningTotals, NoticesWhenRetractionCancelledTheSum) {
  const Column values = float_column({1e17, 0.1});
  RunningTotals totals;
  for (uint32_t row = 0; row < 2; ++row) totals.add(AggregateKind::kSum, values, nullptr, row, 1);
  EXPECT_FALSE(totals.lost_precision());
  totals.add(AggregateKind::kSum, values, nullptr, 0, -1);
  EXPECT_TRUE(totals.lost_precision());  // 0.1 was lost next to 1e17: recompute from rows
  EXPECT_FALSE(is_retractable(AggregateKind::kMedian));
}

}  // namespace
}  // namespace parallax

namespace parallax {
namespace {

// A build adds every group's rows in one pass over the table (add_rows_by_group): each
// group's totals must be bit for bit what add_rows over its rows in the same order makes.
TEST(RunningTotals, AddingByGroupInOnePassAddsAsEachGroupAlone) {
  Column values(DataType::kFloat), weights(DataType::kFloat);
  std::vector<uint32_t> group_of, rows;
  for (uint32_t row = 0; row < 1000; ++row) {
    // Terms of many magnitudes, so that any other order would round differently.
    row % 17 == 0 ? values.append_null() : values.append<double>((row % 7 - 3) * 1e-3 * row * row);
    weights.append<double>(row % 5 * 0.1);
    group_of.push_back(row * 7919 % 13);
    rows.push_back((row * 389) % 1000);  // a permutation of the rows: the order added
  }
  for (const AggregateKind kind : {AggregateKind::kSum, AggregateKind::kSumAbs, AggregateKind::kAvg,
                                   AggregateKind::kCount, AggregateKind::kWeightedMean}) {
    std::vector<RunningTotals> by_group(13);
    RunningTotals::add_rows_by_group(kind, values, &weights, rows, group_of, by_group);
    for (uint32_t group = 0; group < 13; ++group) {
      std::vector<uint32_t> own;
      for (const uint32_t row : rows) {
        if (group_of[row] == group) own.push_back(row);
      }
      RunningTotals alone;
      alone.add_rows(kind, values, &weights, own);
      SCOPED_TRACE("kind " + std::to_string(static_cast<int>(kind)) + ", group " +
                   std::to_string(group));
      EXPECT_EQ(by_group[group].rows, alone.rows);
      EXPECT_EQ(by_group[group].values, alone.values);
      EXPECT_EQ(by_group[group].sum, alone.sum);  // exactly
      EXPECT_EQ(by_group[group].weights, alone.weights);
      EXPECT_EQ(by_group[group].magnitude, alone.magnitude);
    }
  }
}

}  // namespace
}  // namespace parallax
