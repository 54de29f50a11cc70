// Each retractable aggregate, kept as running totals, must write what aggregate_rows writes
// over the rows that remain after adds and retractions.
#include "query/running_totals.h"

#include <cmath>
#include <numeric>
#include <optional>
#include <random>
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

// Sums are exact: taking out a term that swamped the others leaves their exact sum, not the
// rounding of a floating-point running total (1e17 + 1e12 + 2,999 ones, 1e17 taken out: the
// ones were lost next to 1e17 in floating point).
TEST(RunningTotals, RetractingACancellingTermLeavesTheExactSum) {
  std::vector<std::optional<double>> cells = {1e17, 1e12};
  for (int i = 0; i < 2999; ++i) cells.push_back(1.0);
  const Column values = float_column(cells);
  for (const AggregateKind kind : {AggregateKind::kSum, AggregateKind::kAvg}) {
    RunningTotals totals;
    for (uint32_t row = 0; row < values.size(); ++row) totals.add(kind, values, nullptr, row, 1);
    totals.add(kind, values, nullptr, 0, -1);
    Column out(DataType::kFloat);
    out.resize(1);
    totals.write(kind, out, 0, false);
    const double sum = 1e12 + 2999;
    EXPECT_EQ(out.value<double>(0), kind == AggregateKind::kSum ? sum : sum / 3000);
  }
  EXPECT_FALSE(is_retractable(AggregateKind::kMedian));
}

}  // namespace
}  // namespace parallax

namespace parallax {
namespace {

// A build adds every group's rows in one pass over the table (add_rows_by_group): each
// group's totals must be bit for bit what add_rows over its rows makes.
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
  for (const AggregateKind kind :
       {AggregateKind::kSum, AggregateKind::kSumAbs, AggregateKind::kAvg, AggregateKind::kCount,
        AggregateKind::kWeightedMean, AggregateKind::kVar, AggregateKind::kStddev}) {
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
      EXPECT_EQ(by_group[group].sum.value(), alone.sum.value());  // exactly
      EXPECT_EQ(by_group[group].spread.weights_value(), alone.spread.weights_value());
      const DataType result = aggregate_result_type(kind, DataType::kFloat);
      Column by_group_cell(result), alone_cell(result);
      by_group_cell.resize(1);
      alone_cell.resize(1);
      by_group[group].write(kind, by_group_cell, 0, false);
      alone.write(kind, alone_cell, 0, false);
      ASSERT_EQ(by_group_cell.is_null(0), alone_cell.is_null(0));
      if (!alone_cell.is_null(0))
        EXPECT_EQ(numeric_cell(by_group_cell, 0), numeric_cell(alone_cell, 0));
    }
  }
}

// What `kind` over `rows` writes: the kernel's answer and the running totals'.
std::pair<Column, Column> spread_both_ways(AggregateKind kind, const Column& values,
                                           const RunningTotals& totals,
                                           std::span<const uint32_t> rows) {
  Column expected(DataType::kFloat), actual(DataType::kFloat);
  expected.resize(1);
  actual.resize(1);
  aggregate_rows(kind, values, nullptr, rows, expected, 0);
  totals.write(kind, actual, 0, false);
  return {std::move(expected), std::move(actual)};
}

// Var and stddev kept as running totals write what the kernel writes over the same rows,
// whatever rows were added and taken out on the way: both read the values' exact sums.
TEST(RunningTotals, SpreadsBuiltByAddingAreTheKernels) {
  const Column values = float_column({1.5, std::nullopt, -4.0, 2.5, 8.0, 1e9, 0.1});
  const std::vector<uint32_t> rows = {0, 1, 2, 3, 4, 5, 6};
  for (const AggregateKind kind : {AggregateKind::kVar, AggregateKind::kStddev}) {
    ASSERT_TRUE(is_retractable(kind));
    RunningTotals totals;
    totals.add_rows(kind, values, nullptr, rows);
    const auto [expected, actual] = spread_both_ways(kind, values, totals, rows);
    EXPECT_EQ(expected.value<double>(0), actual.value<double>(0));
    // One value left: no spread, as the reference.
    for (const uint32_t row : {0u, 1u, 2u, 3u, 4u, 5u}) totals.add(kind, values, nullptr, row, -1);
    const auto [one_expected, one_actual] = spread_both_ways(kind, values, totals, {{6u}});
    EXPECT_TRUE(one_expected.is_null(0));
    EXPECT_TRUE(one_actual.is_null(0));
  }
}

// A big group under random updates and removes, each a retraction and an add, writes bit for
// bit what the kernel writes over the rows left (a fresh view's cell); Welford's inverse step
// (b678197, reverted) was off in the last digits here.
TEST(RunningTotals, SpreadsFollowRandomChangesToABigGroupExactly) {
  std::mt19937_64 random(21);
  std::normal_distribution<double> price(250.0, 80.0);
  constexpr uint32_t kRows = 20000;
  std::vector<uint32_t> rows(kRows);
  std::iota(rows.begin(), rows.end(), 0u);
  for (const AggregateKind kind : {AggregateKind::kVar, AggregateKind::kStddev}) {
    Column current(DataType::kFloat);  // the values the table holds, updated in place
    for (uint32_t row = 0; row < kRows; ++row) current.append<double>(price(random));
    RunningTotals totals;
    totals.add_rows(kind, current, nullptr, rows);
    std::vector<uint8_t> in_group(kRows, 1);
    for (int change = 0; change < 4000; ++change) {
      const uint32_t row = static_cast<uint32_t>(random() % kRows);
      if (!in_group[row]) continue;
      totals.add(kind, current, nullptr, row, -1);
      if (change % 4 == 0) {
        in_group[row] = 0;  // removed
        continue;
      }
      // Now and then a value far from the others, or of another scale, comes and goes.
      const double value = change % 7 == 0   ? price(random) * 1e12
                           : change % 5 == 0 ? 1e-9
                                             : price(random);
      current.set<double>(row, value);
      totals.add(kind, current, nullptr, row, 1);
      if (change % 50 != 0) continue;
      std::vector<uint32_t> remaining;
      for (uint32_t r = 0; r < kRows; ++r) {
        if (in_group[r]) remaining.push_back(r);
      }
      const auto [expected, actual] = spread_both_ways(kind, current, totals, remaining);
      ASSERT_EQ(actual.value<double>(0), expected.value<double>(0))
          << static_cast<int>(kind) << " after change " << change;
    }
  }
}

// Retracting an outlier from near-equal values cancels nearly all of the squared deviations:
// what is left is still exact, nothing to recompute.
TEST(RunningTotals, SpreadsStayExactWhenRetractionCancels) {
  std::vector<std::optional<double>> cells(3000, 5.0);
  for (size_t i = 0; i < cells.size(); ++i) cells[i] = 5.0 + 1e-3 * static_cast<double>(i % 3);
  cells.push_back(1e12);
  const Column values = float_column(cells);
  std::vector<uint32_t> rows(cells.size());
  std::iota(rows.begin(), rows.end(), 0u);
  RunningTotals totals;
  totals.add_rows(AggregateKind::kVar, values, nullptr, rows);
  totals.add(AggregateKind::kVar, values, nullptr, static_cast<uint32_t>(cells.size() - 1), -1);
  rows.pop_back();
  const auto [expected, actual] = spread_both_ways(AggregateKind::kVar, values, totals, rows);
  EXPECT_EQ(actual.value<double>(0), expected.value<double>(0));
  EXPECT_NEAR(actual.value<double>(0), 2e-6 / 3, 1e-15);  // (0, 1e-3, 2e-3) equally often
}

}  // namespace
}  // namespace parallax
