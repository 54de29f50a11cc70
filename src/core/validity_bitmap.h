// One bit per row: set when the cell holds a value, clear when it is null.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace parallax {

class ValidityBitmap {
 public:
  size_t size() const { return size_; }
  bool is_valid(size_t row) const { return (words_[row >> 6] >> (row & 63)) & 1; }
  void set(size_t row, bool valid) {
    const uint64_t bit = uint64_t{1} << (row & 63);
    if (valid) {
      words_[row >> 6] |= bit;
    } else {
      words_[row >> 6] &= ~bit;
    }
  }
  void push_back(bool valid) {
    if ((size_ & 63) == 0) words_.push_back(0);
    ++size_;
    set(size_ - 1, valid);
  }
  void resize(size_t size, bool valid) {
    while (size_ < size) push_back(valid);
    if (size < size_) {
      size_ = size;
      words_.resize((size + 63) / 64);
      if ((size & 63) != 0) words_.back() &= (uint64_t{1} << (size & 63)) - 1;
    }
  }
  // Appends `count` bits stored least significant bit first (Arrow's layout), a word at a
  // time; reads exactly (count + 7) / 8 bytes of `bits`.
  void append_bits(const uint8_t* bits, size_t count) {
    const size_t old_size = grow_cleared(count);
    const size_t shift = old_size & 63;
    size_t word = old_size >> 6;
    for (size_t done = 0; done < count; done += 64, ++word) {
      uint64_t chunk = 0;
      const size_t take = count - done < 64 ? count - done : 64;
      std::memcpy(&chunk, bits + done / 8, (take + 7) / 8);
      if (take < 64) chunk &= (uint64_t{1} << take) - 1;
      words_[word] |= chunk << shift;
      if (shift != 0 && word + 1 < words_.size()) words_[word + 1] |= chunk >> (64 - shift);
    }
  }
  // Appends `count` bits of the same value.
  void append_run(bool valid, size_t count) {
    const size_t old_size = grow_cleared(count);
    if (!valid) return;
    for (size_t row = old_size; row < size_ && (row & 63) != 0; ++row) set(row, true);
    for (size_t row = (old_size + 63) & ~size_t{63}; row < size_; row += 64) {
      words_[row >> 6] = size_ - row >= 64 ? ~uint64_t{0} : (uint64_t{1} << (size_ - row)) - 1;
    }
  }
  // Bits past size() are zero; a word holds rows 64 * i ... 64 * i + 63.
  const std::vector<uint64_t>& words() const { return words_; }

  void clear() {
    words_.clear();
    size_ = 0;
  }
  void reserve(size_t size) { words_.reserve((size + 63) / 64); }
  size_t memory_bytes() const { return words_.capacity() * sizeof(uint64_t); }

 private:
  // Grows by `count` cleared bits (clearing stale bits past the old size); the old size.
  size_t grow_cleared(size_t count) {
    const size_t old_size = size_;
    if ((old_size & 63) != 0) words_[old_size >> 6] &= (uint64_t{1} << (old_size & 63)) - 1;
    size_ += count;
    words_.resize((size_ + 63) / 64, 0);
    return old_size;
  }

  std::vector<uint64_t> words_;
  size_t size_ = 0;
};

}  // namespace parallax
