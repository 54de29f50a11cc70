// The typed buffers expressions are evaluated into, a whole column (or the changed rows of
// one) at a time. Every type but string is held as doubles: booleans 0/1, integers, dates as
// days, datetimes as epoch milliseconds (all exact in a double), so arithmetic and
// comparison kernels are plain loops over contiguous arrays. A constant (a literal, or a
// function of literals only) holds one value that stands for every row.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/data_type.h"

namespace parallax::expressions {

// Owns the strings that functions make during one evaluation; vectors view them.
class StringArena {
 public:
  std::string_view keep(std::string text) {
    bytes_ += text.size();
    strings_.push_back(std::move(text));
    return strings_.back();
  }
  // Bytes of text kept so far (evaluation charges them to its budget).
  uint64_t bytes() const { return bytes_; }

 private:
  std::deque<std::string> strings_;  // a deque never moves its elements
  uint64_t bytes_ = 0;
};

inline constexpr uint8_t kNull = 0;
inline constexpr uint8_t kValid = 1;

struct Vector {
  DataType type = DataType::kFloat;
  bool constant = false;
  std::vector<double> numbers;            // every type but string
  std::vector<std::string_view> strings;  // strings: views of a dictionary or the arena
  // kValid where the row has a value, else kNull. In comparisons a null is below every value
  // and equal to every null, whether read from a column or made by a computation, as the
  // view's sort orders them (and the reference on a table made from its rows; nulls it
  // took while the table was empty compare above, docs/differences.md).
  std::vector<uint8_t> valid;

  size_t at(size_t row) const { return constant ? 0 : row; }
  bool is_valid(size_t row) const { return valid[at(row)] == kValid; }
  double number(size_t row) const { return numbers[at(row)]; }
  std::string_view string(size_t row) const { return strings[at(row)]; }

  // A vector of `size` rows (1 when constant), all null.
  static Vector make(DataType type, size_t size, bool constant) {
    Vector vector;
    vector.type = type;
    vector.constant = constant;
    const size_t rows = constant ? 1 : size;
    if (type == DataType::kString) {
      vector.strings.resize(rows);
    } else {
      vector.numbers.resize(rows);
    }
    vector.valid.assign(rows, kNull);
    return vector;
  }
  void set(size_t row, double value) {
    numbers[row] = value;
    valid[row] = kValid;
  }
  void set(size_t row, std::string_view value) {
    strings[row] = value;
    valid[row] = kValid;
  }
};

}  // namespace parallax::expressions
