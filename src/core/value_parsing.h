// Reading single values out of text: the building blocks of CSV parsing, of type inference
// and of coercing JSON strings into typed columns.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace parallax {

// "true" / "false" in any letter case.
std::optional<bool> parse_boolean(std::string_view text);
// An optional sign and decimal digits; spaces around the number are ignored.
std::optional<int64_t> parse_integer(std::string_view text);
// A decimal or exponent number ("1.5", "-2e3", ".5"); no hex, no "inf"/"nan"; spaces
// around the number are ignored.
std::optional<double> parse_float(std::string_view text);
// A number (e.g. JSON's, always a double) as an int64 truncated toward zero; nullopt for NaN
// and beyond int64's range (casting those is undefined behaviour).
std::optional<int64_t> double_to_int64(double value);

// The date and datetime spellings a column may use. ISO forms are accepted everywhere;
// the US form ("MM/dd/yyyy") and the slashed ISO form depend on the input format.
struct TemporalSyntax {
  bool us_slashed_dates = true;   // "01/02/2024" -> 2024-01-02
  bool iso_slashed_dates = true;  // "2024/01/02"
  bool short_fields = false;      // "2024-1-2": one-digit months and days
};

// "yyyy-MM-dd" (and the slashed forms the syntax allows) as days since the epoch.
std::optional<int32_t> parse_date(std::string_view text, TemporalSyntax syntax = {});
// A date (as `syntax` allows) then "T" or " " then "HH[:mm[:ss[.fraction]]]", with an
// optional "Z" or +-HH[[:]mm] offset, as UTC milliseconds. Times without an offset are UTC.
std::optional<int64_t> parse_datetime(std::string_view text,
                                      TemporalSyntax syntax = {.us_slashed_dates = false,
                                                               .iso_slashed_dates = false});
// "yyyyMMdd", which JSON values may use for dates.
std::optional<int32_t> parse_compact_date(std::string_view text);
// Whether `text` ends in a numeric UTC offset ("+02:00", "-0530"), which some readers refuse.
bool has_numeric_offset(std::string_view text);

}  // namespace parallax
