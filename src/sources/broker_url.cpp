#include "sources/broker_url.h"

#include <cctype>
#include <charconv>

namespace parallax {

std::string percent_decoded(std::string_view text) {
  const auto hex = [&](size_t at) { return std::isxdigit(static_cast<unsigned char>(text[at])); };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(i + 1) && hex(i + 2)) {
      int value = 0;
      std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string redacted_url(std::string_view url) {
  const size_t start = url.find("://");
  const size_t from = start == std::string_view::npos ? 0 : start + 3;
  const size_t at = url.rfind('@');  // a password may hold '/' too
  if (at == std::string_view::npos || at < from) return std::string(url);
  return std::string(url.substr(0, from)) + "***" + std::string(url.substr(at));
}

Result<BrokerUrl> parse_broker_url(std::string_view url, std::string_view schemes,
                                   int default_port) {
  BrokerUrl out;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Status::invalid("'{}' is not a URL (e.g. {}://127.0.0.1)", redacted_url(url),
                           schemes.substr(0, schemes.find(',')));
  }
  out.scheme = std::string(url.substr(0, scheme_end));
  bool known = false;
  for (std::string_view rest = schemes; !rest.empty();) {
    const size_t comma = rest.find(',');
    known |= rest.substr(0, comma) == out.scheme;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  if (!known) return Status::invalid("URL scheme '{}' is not one of {}", out.scheme, schemes);
  std::string_view rest = url.substr(scheme_end + 3);
  const size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    out.path = percent_decoded(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
  }
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = rest.substr(0, at);
    const size_t colon = credentials.find(':');
    out.user = percent_decoded(credentials.substr(0, colon));
    if (colon != std::string_view::npos)
      out.password = percent_decoded(credentials.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  out.port = default_port;
  if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (error != std::errc() || end != port.data() + port.size() || out.port <= 0 ||
        out.port > 65535) {
      // Not quoted alone: with a '/' in a password, what is read as the port is part of it.
      return Status::invalid("the port of '{}' is not a number from 1 to 65535", redacted_url(url));
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return Status::invalid("'{}' names no host", redacted_url(url));
  out.host = std::string(rest);
  return out;
}

}  // namespace parallax
