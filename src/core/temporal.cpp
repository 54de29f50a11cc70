#include "core/temporal.h"

#include <fmt/format.h>

namespace parallax {

// Howard Hinnant's days_from_civil / civil_from_days algorithms (proleptic Gregorian).
int32_t days_from_civil(int year, int month, int day) {
  year -= month <= 2;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int>(day_of_era) - 719468;
}

CivilDate civil_from_days(int32_t days) {
  const int z = days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned day_of_era = static_cast<unsigned>(z - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int year = static_cast<int>(year_of_era) + era * 400;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {year + (month <= 2), static_cast<int>(month), static_cast<int>(day)};
}

bool is_valid_civil(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap);
}

namespace {

// Four digits after the sign, as the reference writes years ("-0001", not "-001").
std::string year_text(int64_t year) {
  return year < 0 ? fmt::format("-{:04}", -year) : fmt::format("{:04}", year);
}

}  // namespace

std::string format_date_iso(int32_t days) {
  const CivilDate date = civil_from_days(days);
  return fmt::format("{}-{:02}-{:02}", year_text(date.year), date.month, date.day);
}

std::string format_datetime_iso(int64_t millis) {
  const int32_t days = millis_to_days(millis);
  const int64_t in_day = millis - date_to_millis(days);
  const CivilDate date = civil_from_days(days);
  return fmt::format("{}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}", year_text(date.year), date.month,
                     date.day, in_day / 3'600'000, in_day / 60'000 % 60, in_day / 1000 % 60,
                     in_day % 1000);
}

}  // namespace parallax
