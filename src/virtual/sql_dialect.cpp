#include "virtual/sql_dialect.h"

#include <cmath>
#include <cstdio>

namespace parallax {

std::string SqlDialect::number(double value) const {
  char text[40];
  if (value == std::trunc(value) && std::fabs(value) < 1e18) {
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(value));
  } else {
    std::snprintf(text, sizeof text, "%.17g", value);
  }
  return text;
}

std::string SqlDialect::select(const std::string& expr, DataType type) const {
  switch (type) {
    case DataType::kDatetime:
      return epoch_millis(expr);
    case DataType::kBoolean:
      return boolean_number(expr);
    case DataType::kFloat:
      return as_float(expr);
    default:
      return expr;
  }
}

}  // namespace parallax
