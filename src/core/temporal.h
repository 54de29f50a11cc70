// Calendar arithmetic for dates (days since the epoch) and datetimes (UTC milliseconds).
#pragma once

#include <cstdint>
#include <string>

namespace parallax {

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

int32_t days_from_civil(int year, int month, int day);
CivilDate civil_from_days(int32_t days);
bool is_valid_civil(int year, int month, int day);

constexpr int64_t kMillisPerDay = 86'400'000;

inline int64_t date_to_millis(int32_t days) {
  return int64_t{days} * kMillisPerDay;
}

// Floor division, so instants before 1970 land on the right day.
inline int32_t millis_to_days(int64_t millis) {
  int64_t days = millis / kMillisPerDay;
  if (millis % kMillisPerDay < 0) --days;
  return static_cast<int32_t>(days);
}

// "2024-01-02"
std::string format_date_iso(int32_t days);
// "2024-01-02 03:04:05.678" (UTC)
std::string format_datetime_iso(int64_t millis);

}  // namespace parallax
