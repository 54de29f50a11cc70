#include "pipeline/durations.h"

#include <charconv>
#include <cmath>

namespace parallax {

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const auto bad = [&] {
    return Status::invalid("'{}' is not a duration (e.g. 500ms, 10s, 5m, 1h or 2.5)", text);
  };
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end == text.data()) return bad();
  const std::string_view unit(end, text.data() + text.size() - end);
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1000;
  } else if (unit == "ms") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else {
    return bad();
  }
  const double millis = std::round(number * scale);
  if (!(millis >= 1) || millis > 1e12) return Status::invalid("'{}' must be at least 1ms", text);
  return std::chrono::milliseconds(static_cast<int64_t>(millis));
}

}  // namespace parallax
