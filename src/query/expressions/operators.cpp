// The binary operators' table and kernels: one loop per operator and shape of operands, chosen
// once per node.
#include <cmath>
#include <limits>

#include "query/expressions/functions.h"

namespace parallax::expressions {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Valid when both are; otherwise a null made by the computation (below every value).
inline uint8_t both_valid(uint8_t x, uint8_t y) {
  return static_cast<uint8_t>((x == kValid) & (y == kValid));
}

// out[i] = op(a[i], b[i]) with the validity of both; one loop per shape of the operands.
template <typename Op>
Vector numeric_binary(const Vector& a, const Vector& b, DataType type, size_t size, Op op) {
  Vector out = Vector::make(type, size, a.constant && b.constant);
  double* result = out.numbers.data();
  uint8_t* valid = out.valid.data();
  const size_t rows = out.numbers.size();
  const double* x = a.numbers.data();
  const double* y = b.numbers.data();
  const uint8_t* x_valid = a.valid.data();
  const uint8_t* y_valid = b.valid.data();
  if (a.constant == b.constant) {
    for (size_t row = 0; row < rows; ++row) result[row] = op(x[row], y[row]);
    for (size_t row = 0; row < rows; ++row) valid[row] = both_valid(x_valid[row], y_valid[row]);
  } else if (a.constant) {
    const double left = x[0];
    for (size_t row = 0; row < rows; ++row) result[row] = op(left, y[row]);
    for (size_t row = 0; row < rows; ++row) valid[row] = both_valid(x_valid[0], y_valid[row]);
  } else {
    const double right = y[0];
    for (size_t row = 0; row < rows; ++row) result[row] = op(x[row], right);
    for (size_t row = 0; row < rows; ++row) valid[row] = both_valid(x_valid[row], y_valid[0]);
  }
  return out;
}

// Comparisons answer for every row: a null is equal to a null and below every value (see
// Vector::valid).
template <typename Op>
Vector compare(const Vector& a, const Vector& b, size_t size, Op op) {
  Vector out = Vector::make(DataType::kBoolean, size, a.constant && b.constant);
  const size_t rows = out.valid.size();
  if (a.type == DataType::kString) {
    for (size_t row = 0; row < rows; ++row) {
      const bool x_null = !a.is_valid(row), y_null = !b.is_valid(row);
      int order = 0;
      if (x_null || y_null) {
        // Nulls as -1 (below), values as 0.
        const int x = x_null ? -1 : 0;
        const int y = y_null ? -1 : 0;
        order = (x > y) - (x < y);
      } else {
        const int cmp = a.string(row).compare(b.string(row));
        order = (cmp > 0) - (cmp < 0);
      }
      out.set(row, op(static_cast<double>(order), 0.0) ? 1.0 : 0.0);
    }
    return out;
  }
  for (size_t row = 0; row < rows; ++row) {
    const double x = a.is_valid(row) ? a.number(row) : -kInfinity;
    const double y = b.is_valid(row) ? b.number(row) : -kInfinity;
    out.set(row, op(x, y) ? 1.0 : 0.0);
  }
  return out;
}

bool truthy(const Vector& v, size_t row) {
  return v.is_valid(row) && v.number(row) != 0;
}

// A null operand counts as false; the result is never null.
template <typename Op>
Vector logical(const Vector& a, const Vector& b, size_t size, Op op) {
  Vector out = Vector::make(DataType::kBoolean, size, a.constant && b.constant);
  for (size_t row = 0; row < out.valid.size(); ++row) {
    out.set(row, op(truthy(a, row), truthy(b, row)) ? 1.0 : 0.0);
  }
  return out;
}

template <double (*F)(double, double)>
Vector arithmetic_kernel(const Vector& a, const Vector& b, DataType type, size_t size) {
  return numeric_binary(a, b, type, size, [](double x, double y) { return F(x, y); });
}
template <bool (*F)(double, double)>
Vector compare_kernel(const Vector& a, const Vector& b, DataType, size_t size) {
  return compare(a, b, size, [](double x, double y) { return F(x, y); });
}
template <bool (*F)(bool, bool)>
Vector logical_kernel(const Vector& a, const Vector& b, DataType, size_t size) {
  return logical(a, b, size, [](bool x, bool y) { return F(x, y); });
}

// clang-format off
double plus(double x, double y) { return x + y; }
double minus(double x, double y) { return x - y; }
double times(double x, double y) { return x * y; }
double divided(double x, double y) { return x / y; }
double modulo(double x, double y) { return std::fmod(x, y); }
double power(double x, double y) { return std::pow(x, y); }
bool equal(double x, double y) { return x == y; }
bool unequal(double x, double y) { return x != y; }
bool less(double x, double y) { return x < y; }
bool less_equal(double x, double y) { return x <= y; }
bool greater(double x, double y) { return x > y; }
bool greater_equal(double x, double y) { return x >= y; }
bool both(bool x, bool y) { return x && y; }
bool either(bool x, bool y) { return x || y; }
bool one_of(bool x, bool y) { return x != y; }
bool not_both(bool x, bool y) { return !(x && y); }
bool neither(bool x, bool y) { return !(x || y); }
// clang-format on

constexpr NodeKind kArithmetic = NodeKind::kArithmetic;
constexpr NodeKind kCompare = NodeKind::kCompare;
constexpr NodeKind kLogical = NodeKind::kLogical;

const Operator kOperators[] = {
    {.text = "+", .kind = kArithmetic, .kernel = arithmetic_kernel<plus>},
    {.text = "-", .kind = kArithmetic, .kernel = arithmetic_kernel<minus>},
    {.text = "*", .kind = kArithmetic, .kernel = arithmetic_kernel<times>},
    {.text = "/",
     .kind = kArithmetic,
     .kernel = arithmetic_kernel<divided>,
     .refuses_zero_literal = true},
    {.text = "%", .kind = kArithmetic, .kernel = arithmetic_kernel<modulo>},
    {.text = "^", .kind = kArithmetic, .kernel = arithmetic_kernel<power>},
    {.text = "==", .kind = kCompare, .kernel = compare_kernel<equal>},
    {.text = "!=", .kind = kCompare, .kernel = compare_kernel<unequal>},
    {.text = "<", .kind = kCompare, .kernel = compare_kernel<less>},
    {.text = "<=", .kind = kCompare, .kernel = compare_kernel<less_equal>},
    {.text = ">", .kind = kCompare, .kernel = compare_kernel<greater>},
    {.text = ">=", .kind = kCompare, .kernel = compare_kernel<greater_equal>},
    {.text = "and", .kind = kLogical, .kernel = logical_kernel<both>},
    {.text = "or", .kind = kLogical, .kernel = logical_kernel<either>},
    {.text = "xor", .kind = kLogical, .kernel = logical_kernel<one_of>},
    {.text = "nand", .kind = kLogical, .kernel = logical_kernel<not_both>},
    {.text = "nor", .kind = kLogical, .kernel = logical_kernel<neither>},
};

}  // namespace

const Operator* find_operator(NodeKind kind, std::string_view text) {
  for (const Operator& op : kOperators) {
    if (op.kind == kind && op.text == text) return &op;
  }
  return nullptr;
}

}  // namespace parallax::expressions
