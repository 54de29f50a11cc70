#include "common/number_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace parallax {
namespace {

std::string format(double value, NumberStyle style) {
  std::string out;
  append_number(out, value, style);
  return out;
}

TEST(NumberFormat, JavaScriptMatchesNumberToString) {
  EXPECT_EQ(format(0.1, NumberStyle::kJavaScript), "0.1");
  EXPECT_EQ(format(0.1 + 0.2, NumberStyle::kJavaScript), "0.30000000000000004");
  EXPECT_EQ(format(100, NumberStyle::kJavaScript), "100");
  EXPECT_EQ(format(-2.5, NumberStyle::kJavaScript), "-2.5");
  EXPECT_EQ(format(1e20, NumberStyle::kJavaScript), "100000000000000000000");
  EXPECT_EQ(format(1e21, NumberStyle::kJavaScript), "1e+21");
  EXPECT_EQ(format(1.5e300, NumberStyle::kJavaScript), "1.5e+300");
  EXPECT_EQ(format(0.000001, NumberStyle::kJavaScript), "0.000001");
  EXPECT_EQ(format(1e-7, NumberStyle::kJavaScript), "1e-7");
  EXPECT_EQ(format(-0.0, NumberStyle::kJavaScript), "0");
  EXPECT_EQ(format(5e-324, NumberStyle::kJavaScript), "5e-324");
  EXPECT_EQ(format(std::nan(""), NumberStyle::kJavaScript), "NaN");
}

TEST(NumberFormat, CsvSwitchesToExponentFromTenDigits) {
  EXPECT_EQ(format(1e9, NumberStyle::kCsv), "1000000000");
  EXPECT_EQ(format(1e10, NumberStyle::kCsv), "1e+10");
  EXPECT_EQ(format(12345678901.5, NumberStyle::kCsv), "1.23456789015e+10");
  EXPECT_EQ(format(999999999.5, NumberStyle::kCsv), "999999999.5");
  EXPECT_EQ(format(0.00000123456, NumberStyle::kCsv), "0.00000123456");
  EXPECT_EQ(format(1.2e-7, NumberStyle::kCsv), "1.2e-7");
  EXPECT_EQ(format(-1, NumberStyle::kCsv), "-1");
}

TEST(NumberFormat, NegativeZeroKeepsItsSignOutsideJavaScript) {
  // The reference's CSV and NDJSON writers print a computed -0 (0 / -1.5) with its sign.
  EXPECT_EQ(format(-0.0, NumberStyle::kCsv), "-0");
  EXPECT_EQ(format(-0.0, NumberStyle::kSerde), "-0.0");
  EXPECT_EQ(format(0.0, NumberStyle::kCsv), "0");
  EXPECT_EQ(format(0.0, NumberStyle::kSerde), "0.0");
}

TEST(NumberFormat, SerdeKeepsFractionOfIntegralValues) {
  EXPECT_EQ(format(2, NumberStyle::kSerde), "2.0");
  EXPECT_EQ(format(0, NumberStyle::kSerde), "0.0");
  EXPECT_EQ(format(1e17, NumberStyle::kSerde), "100000000000000000.0");
  EXPECT_EQ(format(1e21, NumberStyle::kSerde), "1e21");
  EXPECT_EQ(format(1e-7, NumberStyle::kSerde), "1e-7");
  EXPECT_EQ(format(123456.789, NumberStyle::kSerde), "123456.789");
}

}  // namespace
}  // namespace parallax
