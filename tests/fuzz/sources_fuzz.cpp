// libFuzzer target: what a live source parses from outside. The first byte picks the parser:
// a broker message in each format (json, csv, arrow; inferred, then typed by a schema picked
// from the input), a broker URL (whose errors must never quote its password), or a duration.
// An error or a batch whose every cell can be read; never a crash, hang or leak.
#include <string>

#include "fuzz_common.h"
#include "pipeline/durations.h"
#include "sources/broker_url.h"
#include "sources/message_format.h"

namespace {

using namespace parallax;

size_t decode_both_ways(std::string_view bytes, MessageFormat format) {
  auto rows = decode_message(bytes, format, nullptr);
  if (!rows.is_ok()) return 0;
  size_t sum = fuzz::touch(rows.value());
  const Schema schema = fuzz::schema_picked(rows.value(), bytes.size());
  auto typed = decode_message(bytes, format, &schema);
  if (typed.is_ok()) sum += fuzz::touch(typed.value());
  return sum;
}

// The password as written in `url` (escaped or not), when it has one worth looking for.
std::string_view written_password(std::string_view url) {
  const size_t start = url.find("://");
  if (start == std::string_view::npos) return {};
  const size_t at = url.rfind('@');
  if (at == std::string_view::npos || at < start + 3) return {};
  if (url.substr(0, start).find('@') != std::string_view::npos) return {};  // not a scheme
  const std::string_view user_info = url.substr(start + 3, at - start - 3);
  const size_t colon = user_info.find(':');
  if (colon == std::string_view::npos) return {};
  return user_info.substr(colon + 1);
}

void check_url(std::string_view url) {
  for (const auto& [schemes, port] : {std::pair{"mqtt,tcp", 1883}, std::pair{"amqp", 5672}}) {
    auto parsed = parse_broker_url(url, schemes, port);
    // The password as it stands before the host: the messages' own words never hold an
    // '@', and a redacted URL shows "***@" (so a password with "***" proves nothing).
    const std::string with_at = std::string(written_password(url)) + "@";
    if (!parsed.is_ok() && with_at.size() > 1 && with_at.find("***") == std::string::npos &&
        parsed.status().message().find(with_at) != std::string::npos) {
      __builtin_trap();
    }
    if (parsed.is_ok() && (parsed->port <= 0 || parsed->port > 65535)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = fuzz::as_text(data + 1, size - 1);
  volatile size_t sink = 0;
  switch (data[0] % 5) {
    case 0:
      sink = decode_both_ways(rest, MessageFormat::kJson);
      break;
    case 1:
      sink = decode_both_ways(rest, MessageFormat::kCsv);
      break;
    case 2:
      sink = decode_both_ways(rest, MessageFormat::kArrow);
      break;
    case 3:
      check_url(rest);
      break;
    case 4:
      sink = parse_duration(rest).is_ok();
      break;
  }
  (void)sink;
  return 0;
}
