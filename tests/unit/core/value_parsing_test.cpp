#include "core/value_parsing.h"

#include <gtest/gtest.h>

#include "core/temporal.h"

namespace parallax {
namespace {

TEST(ValueParsing, Booleans) {
  EXPECT_EQ(parse_boolean("TRUE"), true);
  EXPECT_EQ(parse_boolean("False"), false);
  EXPECT_EQ(parse_boolean("yes"), std::nullopt);
  EXPECT_EQ(parse_boolean(""), std::nullopt);
}

TEST(ValueParsing, Numbers) {
  EXPECT_EQ(parse_integer("-42"), -42);
  EXPECT_EQ(parse_integer("+5"), 5);
  EXPECT_EQ(parse_integer("4x"), std::nullopt);
  EXPECT_EQ(parse_integer("1.5"), std::nullopt);
  EXPECT_EQ(parse_float("1e3"), 1000.0);
  EXPECT_EQ(parse_float(".5"), 0.5);
  EXPECT_EQ(parse_float("inf"), std::nullopt);
  EXPECT_EQ(parse_float("abc"), std::nullopt);
}

TEST(ValueParsing, Dates) {
  EXPECT_EQ(parse_date("2024-01-02"), days_from_civil(2024, 1, 2));
  EXPECT_EQ(parse_date("1969-12-31"), -1);
  EXPECT_EQ(parse_date("01/02/2024"), days_from_civil(2024, 1, 2));
  EXPECT_EQ(parse_date("2024-02-30"), std::nullopt);
  EXPECT_EQ(parse_date("2024-13-01"), std::nullopt);
  EXPECT_EQ(parse_date("01/02/2024", {.us_slashed_dates = false}), std::nullopt);
}

TEST(ValueParsing, DatetimesAreUtcMilliseconds) {
  EXPECT_EQ(parse_datetime("2024-01-01T10:00:00"), 1704103200000);
  EXPECT_EQ(parse_datetime("2024-01-01 10:00:00.123456"), 1704103200123);
  EXPECT_EQ(parse_datetime("2024-01-01T10:00:00Z"), 1704103200000);
  EXPECT_EQ(parse_datetime("2024-01-01 10:00:00+02:00"), 1704096000000);
  EXPECT_EQ(parse_datetime("2024-01-01T10:00:00.5+0530"), 1704083400500);
  EXPECT_EQ(parse_datetime("2024-01-01 10:00"), 1704103200000);
  EXPECT_EQ(parse_datetime("1960-01-02 10:00:00.5"), -315496799500);
  EXPECT_EQ(parse_datetime("2024-01-01 25:00:00"), std::nullopt);
  EXPECT_EQ(parse_datetime("2024-01-01"), std::nullopt);
}

TEST(Temporal, RoundTripsCivilDates) {
  for (int32_t days : {-719468, -1, 0, 1, 19723, 2932896}) {
    const CivilDate date = civil_from_days(days);
    EXPECT_EQ(days_from_civil(date.year, date.month, date.day), days);
  }
  EXPECT_EQ(format_date_iso(-1), "1969-12-31");
  EXPECT_EQ(format_datetime_iso(-1), "1969-12-31 23:59:59.999");
}

}  // namespace
}  // namespace parallax
