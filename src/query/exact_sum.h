// The sum of a multiset of doubles, kept exactly and rounded once when read.
//
// Why exact: a grouped view follows a change by taking a row's old value out of its groups'
// sums and adding its new one. In floating point that rounds at each step, so a followed sum
// drifts from the sum of the rows left (one row of 1e17 among 1.0s, set to 0, leaves rounding
// garbage of thousands), and a fresh sum depends on the order it adds rows in. Integers add and
// take out exactly in any order: every finite double is m * 2^e (m an odd integer below 2^53),
// so the sum is kept as an integer in units of the lowest bit seen, and read as the correctly
// rounded double. The answer is then a function of the values alone: the same for a view built
// afresh (in any order, on any number of threads, or from its children's sums) and for one that
// followed any changes.
//
// Fast form: a signed 128-bit integer and its unit's exponent (32 bytes with the rare part's
// pointer); values whose exponents spread too far for 128 bits (1e30 with 1e-10) move the sum to
// BigUnsigned form (query/exact_spread.h) until it fits again. Infinities and NaN are counted
// apart: the sum is NaN with a NaN or both infinities, else the infinity, as adding in floating
// point gives.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>

#include "query/exact_spread.h"

namespace parallax {

class ExactSum {
 public:
  ExactSum() = default;
  ExactSum(const ExactSum& other)
      : low_(other.low_),
        high_(other.high_),
        base_(other.base_),
        rare_(other.rare_ ? std::make_unique<Rare>(*other.rare_) : nullptr) {}
  ExactSum& operator=(const ExactSum& other) {
    if (this != &other) *this = ExactSum(other);
    return *this;
  }
  ExactSum(ExactSum&&) noexcept = default;
  ExactSum& operator=(ExactSum&&) noexcept = default;

  // Adds `value` (sign +1) or takes out one added before (sign -1).
  void add(double value, int sign = 1) {
    const uint64_t bits = std::bit_cast<uint64_t>(value);
    const uint32_t field = static_cast<uint32_t>(bits >> 52) & 0x7FF;
    uint64_t mantissa = bits & ((uint64_t{1} << 52) - 1);
    const bool negative = (bits >> 63) != (sign < 0);
    if (field == 0x7FF) return add_nonfinite(mantissa != 0, (bits >> 63) != 0, sign);
    if (field != 0) {
      mantissa |= uint64_t{1} << 52;
    } else if (mantissa == 0) {
      return;  // a zero adds nothing
    }
    int32_t exponent = field != 0 ? static_cast<int32_t>(field) - 1075 : -1074;
    const int zeros = std::countr_zero(mantissa);
    mantissa >>= zeros;
    exponent += zeros;
    if (!rare_ || !rare_->big) [[likely]] {
      const __int128 sum = fast();
      if (sum == 0) {
        // Nothing kept: any unit will do.
        base_ = exponent;
        return set_fast(negative ? -static_cast<__int128>(mantissa) : mantissa);
      }
      // (A mantissa below 2^53 shifted by at most 72 bits stays below 2^125.)
      const int32_t shift = exponent - base_;
      if (shift >= 0 && shift <= 72) {
        __int128 term = static_cast<__int128>(mantissa) << shift;
        if (negative) term = -term;
        __int128 out;
        if (!__builtin_add_overflow(sum, term, &out)) return set_fast(out);
      }
    }
    add_slow(mantissa, exponent, negative);
  }
  // Adds another sum (a group's from its children's).
  void add(const ExactSum& other);
  // The sum rounded to the nearest double (ties to even); +0 for no values or an exact zero.
  double value() const;

 private:
  struct Rare {
    int64_t nans = 0, positive_infinities = 0, negative_infinities = 0;
    // In BigUnsigned form: the sum is positive - negative (in units of 2^base_).
    bool big = false;
    BigUnsigned positive, negative;
  };
  __int128 fast() const {
    unsigned __int128 bits = (static_cast<unsigned __int128>(high_) << 64) | low_;
    return static_cast<__int128>(bits);
  }
  void set_fast(__int128 sum) {
    const auto bits = static_cast<unsigned __int128>(sum);
    low_ = static_cast<uint64_t>(bits);
    high_ = static_cast<uint64_t>(bits >> 64);
  }
  void add_nonfinite(bool nan, bool negative, int sign);
  void add_slow(uint64_t mantissa, int32_t exponent, bool negative);
  // Moves the sum to BigUnsigned form (at base_ still).
  void to_big();
  // Back to the fast form when the sum fits again.
  void settle_big();
  Rare& rare() {
    if (!rare_) rare_ = std::make_unique<Rare>();
    return *rare_;
  }

  // The 128-bit sum, two's complement, in units of 2^base_ (as two words: 8-byte alignment,
  // so RunningTotals stays small).
  uint64_t low_ = 0, high_ = 0;
  int32_t base_ = 0;
  std::unique_ptr<Rare> rare_;  // infinities and NaN seen, the BigUnsigned form
};

}  // namespace parallax
