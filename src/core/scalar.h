// One typed value, for the places that handle single values rather than columns: filter
// operands, primary keys, min/max results.
#pragma once

#include <cstdint>
#include <string>

#include "core/data_type.h"

namespace parallax {

struct Scalar {
  DataType type = DataType::kString;
  bool valid = false;
  int64_t integer = 0;  // boolean, integer, date (days), datetime (ms)
  double number = 0;    // float
  std::string text;     // string

  static Scalar null(DataType type) { return Scalar{type}; }
  static Scalar of_integer(DataType type, int64_t value) { return Scalar{type, true, value}; }
  static Scalar of_float(double value) { return Scalar{DataType::kFloat, true, 0, value}; }
  static Scalar of_string(std::string value) {
    return Scalar{DataType::kString, true, 0, 0, std::move(value)};
  }
};

}  // namespace parallax
