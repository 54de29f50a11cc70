#include "common/number_format.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace parallax {

void append_number(std::string& out, double value, NumberStyle style) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-Infinity" : "Infinity";
    return;
  }
  const char* integral_suffix = style == NumberStyle::kSerde ? ".0" : "";
  if (value == 0) {
    // JavaScript writes -0 as "0"; the reference's CSV and NDJSON writers keep its sign.
    if (std::signbit(value) && style != NumberStyle::kJavaScript) out += '-';
    out += '0';
    out += integral_suffix;
    return;
  }
  const int max_fixed_point = style == NumberStyle::kCsv ? 10 : 21;
  // Shortest round-trip digits in scientific form: "-d.ddde[+-]x".
  char buffer[40];
  auto end =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific).ptr;
  std::string_view text(buffer, end - buffer);
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const auto e_pos = text.find('e');
  char digits[32];
  int k = 0;
  for (char c : text.substr(0, e_pos)) {
    if (c != '.') digits[k++] = c;
  }
  int exponent = 0;
  std::from_chars(text.data() + e_pos + (text[e_pos + 1] == '+' ? 2 : 1), text.data() + text.size(),
                  exponent);
  const int n = exponent + 1;  // where the decimal point falls relative to the digits
  if (k <= n && n <= max_fixed_point) {
    out.append(digits, k);
    out.append(n - k, '0');
    out += integral_suffix;
  } else if (0 < n && n <= max_fixed_point) {
    out.append(digits, n);
    out += '.';
    out.append(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(-n, '0');
    out.append(digits, k);
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits + 1, k - 1);
    }
    out += 'e';
    if (n - 1 < 0) {
      out += '-';
    } else if (style != NumberStyle::kSerde) {
      out += '+';
    }
    out += std::to_string(std::abs(n - 1));
  }
}

}  // namespace parallax
