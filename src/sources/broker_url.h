// Broker addresses as URLs: scheme://[user[:password]@]host[:port][/path].
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace parallax {

struct BrokerUrl {
  std::string scheme, user, password, host, path;
  int port = 0;
};

// `default_port` when the URL has none; the scheme must be one of `schemes` (comma-separated).
// Errors quote the URL without its user and password (they are shown to every client in
// pipeline_status.last_error).
Result<BrokerUrl> parse_broker_url(std::string_view url, std::string_view schemes,
                                   int default_port);
// %XX escapes read (user names, passwords, an AMQP vhost "/" is "%2f"); a bad one is kept.
std::string percent_decoded(std::string_view text);
// `url` with anything before its last '@' (after the scheme) as "***".
std::string redacted_url(std::string_view url);

}  // namespace parallax
