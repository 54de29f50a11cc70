#include "core/value_parsing.h"

#include <charconv>
#include <cmath>

#include "core/temporal.h"

namespace parallax {

namespace {

bool equals_ignoring_case(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `width` digits at `pos`.
bool read_digits(std::string_view text, size_t pos, size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (!is_digit(text[i])) return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

// Reads 1 or 2 digits at `pos`, advancing it.
bool read_one_or_two_digits(std::string_view text, size_t& pos, int& out) {
  if (pos >= text.size() || !is_digit(text[pos])) return false;
  out = text[pos++] - '0';
  if (pos < text.size() && is_digit(text[pos])) out = out * 10 + (text[pos++] - '0');
  return true;
}

std::optional<int32_t> checked_days(int year, int month, int day) {
  if (!is_valid_civil(year, month, day)) return std::nullopt;
  return days_from_civil(year, month, day);
}

// Parses the date part at the front of `text`; `consumed` is how many characters it used.
std::optional<int32_t> parse_date_prefix(std::string_view text, TemporalSyntax syntax,
                                         size_t& consumed) {
  int year = 0, month = 0, day = 0;
  if (syntax.short_fields && text.size() >= 8 && read_digits(text, 0, 4, year) && text[4] == '-') {
    size_t pos = 5;
    if (read_one_or_two_digits(text, pos, month) && pos < text.size() && text[pos] == '-' &&
        read_one_or_two_digits(text, ++pos, day)) {
      consumed = pos;
      return checked_days(year, month, day);
    }
    return std::nullopt;
  }
  if (text.size() >= 10 && read_digits(text, 0, 4, year) && (text[4] == '-' || text[4] == '/')) {
    if (text[4] == '/' && !syntax.iso_slashed_dates) return std::nullopt;
    if (text[7] != text[4] || !read_digits(text, 5, 2, month) || !read_digits(text, 8, 2, day)) {
      return std::nullopt;
    }
    consumed = 10;
    return checked_days(year, month, day);
  }
  if (syntax.us_slashed_dates) {
    size_t pos = 0;
    if (!read_one_or_two_digits(text, pos, month) || pos >= text.size() || text[pos++] != '/') {
      return std::nullopt;
    }
    if (!read_one_or_two_digits(text, pos, day) || pos >= text.size() || text[pos++] != '/') {
      return std::nullopt;
    }
    if (!read_digits(text, pos, 4, year)) return std::nullopt;
    consumed = pos + 4;
    return checked_days(year, month, day);
  }
  return std::nullopt;
}

}  // namespace

std::optional<bool> parse_boolean(std::string_view text) {
  if (equals_ignoring_case(text, "true")) return true;
  if (equals_ignoring_case(text, "false")) return false;
  return std::nullopt;
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

std::optional<int64_t> parse_integer(std::string_view text) {
  text = trim_spaces(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int64_t> double_to_int64(double value) {
  if (!(value >= -0x1p63 && value < 0x1p63)) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::optional<double> parse_float(std::string_view text) {
  text = trim_spaces(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  // from_chars accepts "inf" and "nan"; numbers must start with a digit, '.', or '-'.
  const char first = text[0] == '-' && text.size() > 1 ? text[1] : text[0];
  if (!is_digit(first) && first != '.') return std::nullopt;
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int32_t> parse_date(std::string_view text, TemporalSyntax syntax) {
  size_t consumed = 0;
  auto days = parse_date_prefix(text, syntax, consumed);
  if (!days || consumed != text.size()) return std::nullopt;
  return days;
}

std::optional<int32_t> parse_compact_date(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 8 || !read_digits(text, 0, 4, year) || !read_digits(text, 4, 2, month) ||
      !read_digits(text, 6, 2, day)) {
    return std::nullopt;
  }
  return checked_days(year, month, day);
}

bool has_numeric_offset(std::string_view text) {
  const size_t time = text.find_first_of("T ");
  return time != std::string_view::npos && text.find_first_of("+-", time) != std::string_view::npos;
}

std::optional<int64_t> parse_datetime(std::string_view text, TemporalSyntax syntax) {
  size_t pos = 0;
  auto days = parse_date_prefix(text, syntax, pos);
  if (!days || pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ')) return std::nullopt;
  ++pos;
  int hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 2, hour)) return std::nullopt;
  pos += 2;
  if (pos < text.size() && text[pos] == ':') {
    if (!read_digits(text, pos + 1, 2, minute)) return std::nullopt;
    pos += 3;
  }
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == ':') {
    if (!read_digits(text, pos + 1, 2, second)) return std::nullopt;
    pos += 3;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      size_t digits = 0;
      int64_t scale = 100;
      while (pos < text.size() && is_digit(text[pos])) {
        if (digits < 3) millis += (text[pos] - '0') * scale;
        scale /= 10;
        ++digits;
        ++pos;
      }
      if (digits == 0 || digits > 9) return std::nullopt;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  int64_t offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' && pos + 1 == text.size()) {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      const int sign = text[pos] == '-' ? -1 : 1;
      int offset_hours = 0, offset_mins = 0;
      if (!read_digits(text, pos + 1, 2, offset_hours)) return std::nullopt;
      pos += 3;
      if (pos < text.size() && text[pos] == ':') ++pos;
      if (pos < text.size()) {
        if (!read_digits(text, pos, 2, offset_mins)) return std::nullopt;
        pos += 2;
      }
      offset_minutes = sign * (offset_hours * 60 + offset_mins);
    }
    if (pos != text.size()) return std::nullopt;
  }
  return date_to_millis(*days) + ((hour * 60 + minute) * 60 + second) * 1000LL + millis -
         offset_minutes * 60'000;
}

}  // namespace parallax
