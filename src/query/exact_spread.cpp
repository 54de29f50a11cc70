#include "query/exact_spread.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace parallax {

void BigUnsigned::trim() {
  while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
}

bool BigUnsigned::is_zero() const {
  return std::all_of(limbs_.begin(), limbs_.end(), [](uint64_t limb) { return limb == 0; });
}

void BigUnsigned::add_shifted(unsigned __int128 value, uint64_t shift, bool subtract) {
  if (value == 0) return;
  const size_t first = shift / 64;
  const unsigned bits = shift % 64;
  // value * 2^bits spans up to three limbs.
  uint64_t parts[3] = {static_cast<uint64_t>(value), static_cast<uint64_t>(value >> 64), 0};
  if (bits != 0) {
    parts[2] = parts[1] >> (64 - bits);
    parts[1] = (parts[1] << bits) | (parts[0] >> (64 - bits));
    parts[0] <<= bits;
  }
  // (Zero limbs on top stay: adds to a group's sums reuse them rather than growing again.)
  if (!subtract) {
    if (limbs_.size() < first + 4) limbs_.resize(first + 4, 0);
    uint64_t carry = 0;
    size_t i = first;
    for (int p = 0; p < 3; ++p, ++i) {
      const unsigned __int128 sum = static_cast<unsigned __int128>(limbs_[i]) + parts[p] + carry;
      limbs_[i] = static_cast<uint64_t>(sum);
      carry = static_cast<uint64_t>(sum >> 64);
    }
    for (; carry != 0; ++i) {
      if (i == limbs_.size()) limbs_.push_back(0);
      carry = ++limbs_[i] == 0;
    }
  } else {
    // The caller takes out what it added: the limbs reach at least as far as the value.
    uint64_t borrow = 0;
    size_t i = first;
    for (int p = 0; p < 3 && i < limbs_.size(); ++p, ++i) {
      const uint64_t take = parts[p];
      const uint64_t before = limbs_[i];
      limbs_[i] = before - take - borrow;
      borrow = (before < take) || (before - take < borrow);
    }
    for (; borrow != 0 && i < limbs_.size(); ++i) borrow = limbs_[i]-- == 0;
  }
}

void BigUnsigned::add(const BigUnsigned& other, uint64_t shift) {
  for (size_t i = 0; i < other.limbs_.size(); ++i) add_shifted(other.limbs_[i], shift + 64 * i);
}

uint64_t BigUnsigned::bit_length() const {
  size_t used = limbs_.size();
  while (used > 0 && limbs_[used - 1] == 0) --used;
  return used == 0 ? 0 : used * 64 - std::countl_zero(limbs_[used - 1]);
}

uint64_t BigUnsigned::trailing_zeros() const {
  size_t i = 0;
  while (i < limbs_.size() && limbs_[i] == 0) ++i;
  return i == limbs_.size() ? 0 : i * 64 + std::countr_zero(limbs_[i]);
}

unsigned __int128 BigUnsigned::bits_at(uint64_t offset) const {
  auto limb = [&](size_t i) -> unsigned __int128 { return i < limbs_.size() ? limbs_[i] : 0; };
  const size_t first = offset / 64;
  const unsigned bit = offset % 64;
  unsigned __int128 out = limb(first) | (limb(first + 1) << 64);
  if (bit != 0) out = (out >> bit) | (limb(first + 2) << (128 - bit));
  return out;
}

void BigUnsigned::shift_left(uint64_t bits) {
  trim();
  if (limbs_.empty() || bits == 0) return;
  const size_t whole = bits / 64;
  const unsigned rest = bits % 64;
  if (rest != 0) {
    limbs_.push_back(0);
    for (size_t i = limbs_.size() - 1; i > 0; --i)
      limbs_[i] = (limbs_[i] << rest) | (limbs_[i - 1] >> (64 - rest));
    limbs_[0] <<= rest;
  }
  limbs_.insert(limbs_.begin(), whole, 0);
  trim();
}

int BigUnsigned::compare(const BigUnsigned& a, const BigUnsigned& b) {
  for (size_t i = std::max(a.limbs_.size(), b.limbs_.size()); i-- > 0;) {
    const uint64_t x = i < a.limbs_.size() ? a.limbs_[i] : 0;
    const uint64_t y = i < b.limbs_.size() ? b.limbs_[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

BigUnsigned BigUnsigned::difference(const BigUnsigned& a, const BigUnsigned& b) {
  BigUnsigned out = a;
  out.trim();
  uint64_t borrow = 0;
  for (size_t i = 0; i < out.limbs_.size(); ++i) {
    const uint64_t take = i < b.limbs_.size() ? b.limbs_[i] : 0;
    if (take == 0 && borrow == 0 && i >= b.limbs_.size()) break;
    const uint64_t before = out.limbs_[i];
    out.limbs_[i] = before - take - borrow;
    borrow = (before < take) || (before - take < borrow);
  }
  out.trim();
  return out;
}

BigUnsigned BigUnsigned::product(BigUnsigned a, BigUnsigned b) {
  a.trim();
  b.trim();
  BigUnsigned out;
  if (a.limbs_.empty() || b.limbs_.empty()) return out;
  out.limbs_.assign(a.limbs_.size() + b.limbs_.size(), 0);
  for (size_t i = 0; i < a.limbs_.size(); ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < b.limbs_.size(); ++j) {
      const unsigned __int128 sum =
          static_cast<unsigned __int128>(a.limbs_[i]) * b.limbs_[j] + out.limbs_[i + j] + carry;
      out.limbs_[i + j] = static_cast<uint64_t>(sum);
      carry = static_cast<uint64_t>(sum >> 64);
    }
    out.limbs_[i + b.limbs_.size()] = carry;
  }
  out.trim();
  return out;
}

double BigUnsigned::to_double(int64_t scale) const {
  size_t used = limbs_.size();
  while (used > 0 && limbs_[used - 1] == 0) --used;
  if (used == 0) return 0;
  const uint64_t length = used * 64 - std::countl_zero(limbs_[used - 1]);
  if (length <= 64) {
    // At most 64 bits: the conversion of one integer rounds once, to nearest.
    return std::ldexp(static_cast<double>(limbs_[0]), static_cast<int>(scale));
  }
  // The top 64 bits, and whether any bit below them is set.
  const uint64_t low = length - 64;  // the bit the top 64 start at
  const size_t limb = low / 64;
  const unsigned bit = low % 64;
  uint64_t top = limbs_[limb] >> bit;
  if (bit != 0) top |= limbs_[limb + 1] << (64 - bit);
  bool sticky = bit != 0 && (limbs_[limb] << (64 - bit)) != 0;
  for (size_t i = 0; i < limb && !sticky; ++i) sticky = limbs_[i] != 0;
  // Round the top 64 bits to 53, to nearest and ties to even, counting the sticky bits.
  uint64_t mantissa = top >> 11;
  const uint64_t rest = top & 0x7FF;
  if (rest > 0x400 || (rest == 0x400 && (sticky || (mantissa & 1)))) ++mantissa;
  // (2^53 after rounding up is still exact as a double.)
  const int64_t exponent = static_cast<int64_t>(low) + 11 + scale;
  return std::ldexp(static_cast<double>(mantissa),
                    static_cast<int>(std::clamp<int64_t>(exponent, -100000, 100000)));
}

void ExactSpread::add(double value, int sign) {
  count_ += sign;
  if (!std::isfinite(value)) {
    nonfinite_ += sign;
  } else if (value != 0) {
    // value = +-mantissa * 2^exponent, the mantissa odd.
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    const bool negative = bits >> 63;
    const int64_t field = static_cast<int64_t>((bits >> 52) & 0x7FF);
    uint64_t mantissa = bits & ((uint64_t{1} << 52) - 1);
    int64_t exponent = -1074;
    if (field != 0) {
      mantissa |= uint64_t{1} << 52;
      exponent = field - 1075;
    }
    const int zeros = std::countr_zero(mantissa);
    mantissa >>= zeros;
    exponent += zeros;
    if (nonzero_ == 0) {
      base_ = exponent;  // nothing kept: any unit will do
    } else if (exponent < base_) {
      const uint64_t by = static_cast<uint64_t>(base_ - exponent);
      positive_.shift_left(by);
      negative_.shift_left(by);
      squares_.shift_left(2 * by);
      base_ = exponent;
    }
    nonzero_ += sign;
    const uint64_t shift = static_cast<uint64_t>(exponent - base_);
    (negative ? negative_ : positive_).add_shifted(mantissa, shift, sign < 0);
    squares_.add_shifted(static_cast<unsigned __int128>(mantissa) * mantissa, 2 * shift, sign < 0);
  }
  if (count_ == 0) {
    // Every value taken out: start afresh (the sums are zero already).
    nonfinite_ = nonzero_ = 0;
    positive_ = negative_ = squares_ = BigUnsigned{};
  }
}

std::optional<double> ExactSpread::variance() const {
  if (count_ < 2) return std::nullopt;
  if (nonfinite_ > 0) return std::numeric_limits<double>::quiet_NaN();
  // n * sum(x^2) - sum(x)^2 = n^2 * variance, exactly, in units of 2^(2 * base).
  const bool more_positive = BigUnsigned::compare(positive_, negative_) >= 0;
  const BigUnsigned sum = more_positive ? BigUnsigned::difference(positive_, negative_)
                                        : BigUnsigned::difference(negative_, positive_);
  BigUnsigned count;
  count.add_shifted(static_cast<uint64_t>(count_), 0);
  const BigUnsigned deviations = BigUnsigned::difference(BigUnsigned::product(squares_, count),
                                                         BigUnsigned::product(sum, sum));
  // Rounded once there, then divided by n twice (n^2 may not be a double).
  const double n = static_cast<double>(count_);
  return deviations.to_double(2 * base_) / n / n;
}

}  // namespace parallax
