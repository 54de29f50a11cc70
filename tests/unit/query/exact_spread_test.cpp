// The variance from exact sums: a function of the values alone, whatever order they came in
// and whatever was added and taken out before.
#include "query/exact_spread.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace parallax {
namespace {

double variance_of(const std::vector<double>& values) {
  ExactSpread sums;
  for (const double value : values) sums.add(value, 1);
  return sums.variance().value();
}

// Figures from Python's fractions (the exact variance, then rounded).
TEST(ExactSpread, VarianceOfKnownValues) {
  EXPECT_EQ(variance_of({1, 2, 3, 4}), 1.25);
  EXPECT_EQ(variance_of({2, 2, 2}), 0);
  EXPECT_NEAR(variance_of({0.1, 0.2, 0.3}), 0.006666666666666665, 2e-18);
  EXPECT_NEAR(variance_of({1e150, -1e150, 1e-150}), 6.666666666666666e+299, 1e285);
  EXPECT_EQ(variance_of({-3, 0, 3}), 6);
  ExactSpread one;
  one.add(7.5, 1);
  EXPECT_FALSE(one.variance().has_value());  // no spread of one value
}

// Welford's steps (what the kernel did before) reorder to other last digits; the exact sums
// do not.
TEST(ExactSpread, AnyOrderGivesTheSameBits) {
  std::mt19937_64 random(7);
  std::vector<double> values;
  for (int i = 0; i < 3000; ++i) {
    const double scale = std::pow(10.0, static_cast<int>(random() % 30) - 15);
    values.push_back((static_cast<double>(random() % 100000) / 7.0 - 5000) * scale);
  }
  const double first = variance_of(values);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(values.begin(), values.end(), random);
    EXPECT_EQ(variance_of(values), first);
  }
}

// Values added and taken out again leave what the rest alone gives, bit for bit.
TEST(ExactSpread, TakingOutLeavesTheRest) {
  std::mt19937_64 random(11);
  std::normal_distribution<double> price(250.0, 80.0);
  std::vector<double> kept;
  for (int i = 0; i < 500; ++i) kept.push_back(price(random));
  ExactSpread sums;
  std::vector<double> passing = {1e-300, -7e12, 0.0, 3.0, 1e300, 0.1};
  for (const double value : passing) sums.add(value, 1);
  for (const double value : kept) sums.add(value, 1);
  for (const double value : passing) sums.add(value, -1);
  EXPECT_EQ(sums.count(), 500);
  EXPECT_EQ(sums.variance().value(), variance_of(kept));
  // Every value out: empty, then as new.
  for (const double value : kept) sums.add(value, -1);
  EXPECT_FALSE(sums.variance().has_value());
  sums.add(1.0, 1);
  sums.add(3.0, 1);
  EXPECT_EQ(sums.variance().value(), 1.0);
}

// An infinite or NaN value makes the variance NaN, as Welford's steps do; taken out, the rest
// reads as before.
TEST(ExactSpread, NonFiniteValues) {
  ExactSpread sums;
  for (const double value : {1.0, 2.0, 4.0}) sums.add(value, 1);
  const double before = sums.variance().value();
  for (const double odd :
       {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    sums.add(odd, 1);
    EXPECT_TRUE(std::isnan(sums.variance().value()));
    sums.add(odd, -1);
    EXPECT_EQ(sums.variance().value(), before);
  }
}

}  // namespace
}  // namespace parallax
