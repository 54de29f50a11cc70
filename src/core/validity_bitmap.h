// One bit per row: set when the cell holds a value, clear when it is null.
#pragma once

#include <cstddef>
#include <cstdint>
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
    }
  }
  void clear() {
    words_.clear();
    size_ = 0;
  }
  void reserve(size_t size) { words_.reserve((size + 63) / 64); }
  size_t memory_bytes() const { return words_.capacity() * sizeof(uint64_t); }

 private:
  std::vector<uint64_t> words_;
  size_t size_ = 0;
};

}  // namespace parallax
