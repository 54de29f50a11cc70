// Shortest round-trip rendering of doubles in the three dialects the reference's outputs use.
#pragma once

#include <string>

namespace parallax {

enum class NumberStyle {
  // JavaScript's Number.prototype.toString (JSON from to_json/to_columns): exponent form
  // below 1e-6 and from 1e21, written "1e+21"; integral values without a fraction.
  kJavaScript,
  // The CSV writer: as JavaScript, but exponent form already from 1e10.
  kCsv,
  // serde_json (NDJSON): as JavaScript, but integral values keep ".0" and exponents carry
  // no '+' ("1e21").
  kSerde,
};

// Appends `value`. Non-finite values print as "NaN", "Infinity", "-Infinity"; -0 as "0" in
// JavaScript's style, "-0" (serde: "-0.0") in the others.
void append_number(std::string& out, double value, NumberStyle style = NumberStyle::kJavaScript);

inline std::string js_number(double value) {
  std::string out;
  append_number(out, value, NumberStyle::kJavaScript);
  return out;
}

}  // namespace parallax
