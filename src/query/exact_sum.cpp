#include "query/exact_sum.h"

#include <cmath>
#include <limits>

namespace parallax {

namespace {

// Bits an integer's magnitude takes, at most 125 in the fast form (so that adding a term of 53
// bits shifted by up to 72 cannot overflow 127).
constexpr uint64_t kFastBits = 125;

unsigned __int128 magnitude_of(__int128 sum) {
  return sum < 0 ? -static_cast<unsigned __int128>(sum) : static_cast<unsigned __int128>(sum);
}

uint64_t bit_length(unsigned __int128 value) {
  const auto high = static_cast<uint64_t>(value >> 64);
  if (high != 0) return 128 - std::countl_zero(high);
  const auto low = static_cast<uint64_t>(value);
  return low == 0 ? 0 : 64 - std::countl_zero(low);
}

// `sum` * 2^by, when that stays within the fast form.
bool shifted(__int128 sum, uint64_t by, __int128& out) {
  if (bit_length(magnitude_of(sum)) + by > kFastBits) return false;
  out = static_cast<__int128>(static_cast<unsigned __int128>(sum) << by);
  return true;
}

}  // namespace

void ExactSum::add_nonfinite(bool nan, bool negative, int sign) {
  Rare& kept = rare();
  (nan ? kept.nans : negative ? kept.negative_infinities : kept.positive_infinities) += sign;
}

void ExactSum::to_big() {
  Rare& kept = rare();
  const __int128 sum = fast();
  kept.big = true;
  kept.positive = kept.negative = BigUnsigned{};
  (sum < 0 ? kept.negative : kept.positive).add_shifted(magnitude_of(sum), 0);
  set_fast(0);
}

void ExactSum::settle_big() {
  Rare& kept = *rare_;
  const int order = BigUnsigned::compare(kept.positive, kept.negative);
  BigUnsigned rest = order >= 0 ? BigUnsigned::difference(kept.positive, kept.negative)
                                : BigUnsigned::difference(kept.negative, kept.positive);
  kept.positive = kept.negative = BigUnsigned{};
  const uint64_t length = rest.bit_length();
  const uint64_t zeros = length == 0 ? 0 : rest.trailing_zeros();
  if (length - zeros <= kFastBits) {
    // Fits again (the unit raised past the zeros that end it).
    kept.big = false;
    const auto magnitude = static_cast<__int128>(rest.bits_at(zeros));
    base_ += static_cast<int32_t>(zeros);
    return set_fast(order >= 0 ? magnitude : -magnitude);
  }
  (order >= 0 ? kept.positive : kept.negative) = std::move(rest);
}

void ExactSum::add_slow(uint64_t mantissa, int32_t exponent, bool negative) {
  if (!rare_ || !rare_->big) {
    // The fast form failed: a value below the unit, or a sum past 125 bits.
    __int128 sum = fast();
    if (exponent < base_ && shifted(sum, static_cast<uint64_t>(base_ - exponent), sum)) {
      base_ = exponent;
      return set_fast(sum + (negative ? -static_cast<__int128>(mantissa) : mantissa));
    }
    to_big();
  }
  Rare& kept = *rare_;
  if (exponent < base_) {
    const auto by = static_cast<uint64_t>(base_ - exponent);
    kept.positive.shift_left(by);
    kept.negative.shift_left(by);
    base_ = exponent;
  }
  (negative ? kept.negative : kept.positive)
      .add_shifted(mantissa, static_cast<uint64_t>(exponent - base_));
  settle_big();
}

void ExactSum::add(const ExactSum& other) {
  if (other.rare_) {
    Rare& kept = rare();
    kept.nans += other.rare_->nans;
    kept.positive_infinities += other.rare_->positive_infinities;
    kept.negative_infinities += other.rare_->negative_infinities;
  }
  const bool other_big = other.rare_ && other.rare_->big;
  const bool big = rare_ && rare_->big;
  if (!other_big && other.fast() == 0) return;
  if (!big && !other_big) {
    const __int128 mine = fast(), theirs = other.fast();
    if (mine == 0) {
      low_ = other.low_;
      high_ = other.high_;
      base_ = other.base_;
      return;
    }
    const int32_t unit = std::min(base_, other.base_);
    __int128 a, b, sum;
    if (shifted(mine, static_cast<uint64_t>(base_ - unit), a) &&
        shifted(theirs, static_cast<uint64_t>(other.base_ - unit), b) &&
        !__builtin_add_overflow(a, b, &sum)) {
      base_ = unit;
      return set_fast(sum);
    }
  }
  if (!big) to_big();
  Rare& kept = *rare_;
  BigUnsigned positive, negative;
  if (other_big) {
    positive = other.rare_->positive;
    negative = other.rare_->negative;
  } else {
    const __int128 theirs = other.fast();
    (theirs < 0 ? negative : positive).add_shifted(magnitude_of(theirs), 0);
  }
  if (other.base_ < base_) {
    const auto by = static_cast<uint64_t>(base_ - other.base_);
    kept.positive.shift_left(by);
    kept.negative.shift_left(by);
    base_ = other.base_;
  }
  const auto shift = static_cast<uint64_t>(other.base_ - base_);
  kept.positive.add(positive, shift);
  kept.negative.add(negative, shift);
  settle_big();
}

double ExactSum::value() const {
  if (rare_) {
    const Rare& kept = *rare_;
    if (kept.nans > 0 || (kept.positive_infinities > 0 && kept.negative_infinities > 0))
      return std::numeric_limits<double>::quiet_NaN();
    if (kept.positive_infinities > 0) return std::numeric_limits<double>::infinity();
    if (kept.negative_infinities > 0) return -std::numeric_limits<double>::infinity();
    if (kept.big) {
      const int order = BigUnsigned::compare(kept.positive, kept.negative);
      if (order == 0) return 0;
      const double magnitude =
          order > 0 ? BigUnsigned::difference(kept.positive, kept.negative).to_double(base_)
                    : BigUnsigned::difference(kept.negative, kept.positive).to_double(base_);
      return order > 0 ? magnitude : -magnitude;
    }
  }
  const __int128 sum = fast();
  if (sum == 0) return 0;
  // The conversion rounds once, to nearest; the scaling is exact: a sum of more than 53 bits
  // is at least 2^53 units of at least 2^-1074, a normal number, and one of fewer is exact
  // (a subnormal result is a multiple of 2^-1074 below 2^-1022: representable).
  return std::ldexp(static_cast<double>(sum), base_);
}

}  // namespace parallax
