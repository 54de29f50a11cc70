// ExactSum must read as the correctly rounded sum of the values it holds, whatever order they
// came in and whatever was added and taken out before; checked against Shewchuk's exact
// partials (as Python's math.fsum), with values spread over the whole range of doubles.
#include "query/exact_sum.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "fsum.h"

namespace parallax {
namespace {

using test::fsum;

double bits_of_random(std::mt19937_64& random, int spread) {
  // A random mantissa at a random exponent in [-spread, spread], either sign.
  const double mantissa = std::ldexp(static_cast<double>(random() >> 11), -53);
  const int exponent = static_cast<int>(random() % (2 * spread + 1)) - spread;
  const double value = std::ldexp(mantissa, exponent);
  return random() % 2 ? value : -value;
}

void expect_same(double expected, double actual) {
  EXPECT_EQ(std::bit_cast<uint64_t>(expected + 0.0), std::bit_cast<uint64_t>(actual + 0.0))
      << expected << " vs " << actual;
}

TEST(ExactSum, ReadsTheCorrectlyRoundedSumInAnyOrder) {
  std::mt19937_64 random(18);
  // Exponent spreads within the 128-bit form, past it (BigUnsigned form), and subnormals.
  for (const int spread : {4, 30, 60, 200, 1000}) {
    for (int trial = 0; trial < 40; ++trial) {
      std::vector<double> values;
      const int count = 1 + static_cast<int>(random() % 300);
      for (int i = 0; i < count; ++i) values.push_back(bits_of_random(random, spread));
      if (trial % 5 == 0) values.push_back(std::numeric_limits<double>::denorm_min());
      const double expected = fsum(values);
      for (int order = 0; order < 3; ++order) {
        std::shuffle(values.begin(), values.end(), random);
        ExactSum sum;
        for (const double value : values) sum.add(value);
        SCOPED_TRACE("spread " + std::to_string(spread) + ", trial " + std::to_string(trial));
        expect_same(expected, sum.value());
      }
    }
  }
}

TEST(ExactSum, TakingValuesOutLeavesTheSumOfTheRest) {
  std::mt19937_64 random(21);
  for (const int spread : {10, 70, 600}) {
    for (int trial = 0; trial < 40; ++trial) {
      std::vector<double> kept;
      ExactSum sum;
      for (int step = 0; step < 400; ++step) {
        if (!kept.empty() && random() % 3 == 0) {
          const size_t at = random() % kept.size();
          sum.add(kept[at], -1);
          kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(at));
        } else {
          kept.push_back(bits_of_random(random, spread));
          sum.add(kept.back());
        }
      }
      expect_same(fsum(kept), sum.value());
    }
  }
}

TEST(ExactSum, CancellationLeavesNoRoundingBehind) {
  ExactSum sum;
  sum.add(1e17);
  for (int i = 0; i < 2999; ++i) sum.add(1.0);
  sum.add(1e12);
  EXPECT_EQ(sum.value(), 100001000000002992.0);  // 1e17 + 1e12 + 2999, rounded once
  sum.add(1e17, -1);
  EXPECT_EQ(sum.value(), 1e12 + 2999);
  // Ties round to even: 2^53 + 1 is halfway between 2^53 and 2^53 + 2.
  ExactSum tie;
  tie.add(std::ldexp(1.0, 53));
  tie.add(1.0);
  EXPECT_EQ(tie.value(), std::ldexp(1.0, 53));
  tie.add(2.0);
  EXPECT_EQ(tie.value(), std::ldexp(1.0, 53) + 4);
  // Far apart: 1e300 and 1e-300 (the BigUnsigned form), then back.
  ExactSum far;
  far.add(1e-300);
  far.add(1e300);
  EXPECT_EQ(far.value(), 1e300);
  far.add(1e300, -1);
  EXPECT_EQ(far.value(), 1e-300);
  far.add(1e-300, -1);
  EXPECT_EQ(far.value(), 0.0);
  EXPECT_FALSE(std::signbit(far.value()));
}

TEST(ExactSum, AddingSumsAddsTheirValues) {
  std::mt19937_64 random(22);
  for (const int spread : {8, 80, 900}) {
    std::vector<double> all;
    ExactSum total;
    for (int part = 0; part < 20; ++part) {
      ExactSum sum;
      for (int i = 0; i < 50; ++i) {
        all.push_back(bits_of_random(random, spread));
        sum.add(all.back());
      }
      total.add(sum);
      expect_same(fsum(all), total.value());
    }
  }
}

TEST(ExactSum, InfinitiesAndNanAsFloatingPointAddsThem) {
  const double inf = std::numeric_limits<double>::infinity();
  ExactSum sum;
  sum.add(1.5);
  sum.add(inf);
  EXPECT_EQ(sum.value(), inf);
  sum.add(-inf);
  EXPECT_TRUE(std::isnan(sum.value()));
  sum.add(inf, -1);
  EXPECT_EQ(sum.value(), -inf);
  sum.add(-inf, -1);
  EXPECT_EQ(sum.value(), 1.5);
  sum.add(std::nan(""));
  EXPECT_TRUE(std::isnan(sum.value()));
  sum.add(std::nan(""), -1);
  EXPECT_EQ(sum.value(), 1.5);
  // A finite sum past the largest double rounds to infinity.
  ExactSum big;
  big.add(std::numeric_limits<double>::max());
  big.add(std::numeric_limits<double>::max());
  EXPECT_EQ(big.value(), inf);
  big.add(std::numeric_limits<double>::max(), -1);
  EXPECT_EQ(big.value(), std::numeric_limits<double>::max());
}

}  // namespace
}  // namespace parallax
