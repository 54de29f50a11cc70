// The correctly rounded sum of doubles, for tests of exact sums (query/exact_sum.h): an
// independent implementation, Shewchuk's exact partials (as CPython's math.fsum).
#pragma once

#include <cmath>
#include <utility>
#include <vector>

namespace parallax::test {

inline double fsum(const std::vector<double>& values) {
  std::vector<double> partials;
  for (double x : values) {
    size_t kept = 0;
    for (double y : partials) {
      if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
      const double high = x + y;
      const double low = y - (high - x);
      if (low != 0) partials[kept++] = low;
      x = high;
    }
    partials.resize(kept);
    partials.push_back(x);
  }
  // Round the partials' sum once: from the top, with the half-way correction.
  double high = 0;
  size_t n = partials.size();
  if (n > 0) {
    high = partials[--n];
    double low = 0;
    while (n > 0) {
      const double x = high;
      const double y = partials[--n];
      high = x + y;
      const double y_rounded = high - x;
      low = y - y_rounded;
      if (low != 0) break;
    }
    if (n > 0 && ((low < 0 && partials[n - 1] < 0) || (low > 0 && partials[n - 1] > 0))) {
      const double y = low * 2;
      const double x = high + y;
      if (y == x - high) high = x;
    }
  }
  return high;
}

}  // namespace parallax::test
