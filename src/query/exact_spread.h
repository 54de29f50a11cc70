// The population variance of a multiset of doubles from its exact sum and exact sum of squares.
//
// Why exact: a grouped view follows a one-row change in a big group by taking the row's old
// value out and adding its new one, and must read as a view built afresh over the rows left.
// Any floating-point running form (Welford's steps, a sum and a sum of squares) rounds
// differently depending on the order values came and went, so a followed variance and a
// rebuilt one would differ in the last digits. Integers add and subtract exactly in any
// order: every finite double is m * 2^e (m an odd integer below 2^53), so the values and
// their squares are kept as big integers in units of the lowest bit seen, and the variance is
// rounded once from them at the end. The answer is a function of the values alone (not of
// their order, nor of what was added and taken out before), and is within a few units in the
// last place of the exact variance.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace parallax {

// An unsigned integer of any size: 64-bit limbs, least significant first (zero limbs on top
// may stay).
class BigUnsigned {
 public:
  bool is_zero() const;
  // Adds (or, with `subtract`, takes out: the result must not fall below zero) `value` * 2^shift.
  void add_shifted(unsigned __int128 value, uint64_t shift, bool subtract = false);
  // Adds `other` * 2^shift.
  void add(const BigUnsigned& other, uint64_t shift);
  // Multiplies by 2^bits.
  void shift_left(uint64_t bits);
  // How many bits the value takes (0 for zero), and how many zeros end it (for a nonzero value).
  uint64_t bit_length() const;
  uint64_t trailing_zeros() const;
  // The 128 bits from bit `offset` up.
  unsigned __int128 bits_at(uint64_t offset) const;
  // `a` - `b`, for `a` >= `b`.
  static BigUnsigned difference(const BigUnsigned& a, const BigUnsigned& b);
  static BigUnsigned product(BigUnsigned a, BigUnsigned b);
  // -1, 0, 1 as `a` <, ==, > `b`.
  static int compare(const BigUnsigned& a, const BigUnsigned& b);
  // The value * 2^scale rounded to the nearest double (ties to even); then, if that falls
  // outside the normal range, as std::ldexp rounds it.
  double to_double(int64_t scale) const;

 private:
  void trim();
  std::vector<uint64_t> limbs_;
};

class ExactSpread {
 public:
  // Adds `value` (sign +1) or takes out one added before (sign -1).
  void add(double value, int sign);
  int64_t count() const { return count_; }
  // The population variance: none of fewer than two values; NaN if one is not finite (as
  // Welford's steps give).
  std::optional<double> variance() const;

 private:
  int64_t count_ = 0;      // values
  int64_t nonfinite_ = 0;  // of them infinite or NaN (kept out of the sums)
  int64_t nonzero_ = 0;    // of them finite and not zero (in the sums)
  // The sums are in units of 2^base (the squares of 2^(2 * base)); base only falls, to the
  // lowest bit of a value added, until the group empties.
  int64_t base_ = 0;
  BigUnsigned positive_, negative_;  // the sums of the positive values and of |negative ones|
  BigUnsigned squares_;
};

}  // namespace parallax
