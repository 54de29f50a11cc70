#include "server/access_policy.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <boost/asio/ip/address.hpp>

#include "server/static_files.h"

namespace parallax::server {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view header(const Request& request, http::field field) {
  const auto value = request[field];
  return {value.data(), value.size()};
}

std::string sha256(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

// The host part of "host:port" or "[v6]:port", without brackets.
std::string_view host_name(std::string_view host_and_port) {
  if (host_and_port.starts_with('[')) return host_and_port.substr(1, host_and_port.find(']') - 1);
  return host_and_port.substr(0, host_and_port.rfind(':'));
}

bool is_loopback_name(std::string_view host) {
  const std::string name = lower(host);
  if (name == "localhost" || name.ends_with(".localhost")) return true;
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(name, error);
  return !error && address.is_loopback();
}

// A URL's query split into the `token` parameter's value and the rest, as written.
struct QueryToken {
  std::optional<std::string> token;
  std::string target_without_token;
};

QueryToken query_token(std::string_view target) {
  QueryToken out;
  const size_t question = target.find('?');
  out.target_without_token = std::string(target.substr(0, question));
  if (question == std::string_view::npos) return out;
  std::string kept;
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.starts_with("token=")) {
      out.token = percent_decoded(pair.substr(6)).value_or("");
    } else if (!pair.empty()) {
      if (!kept.empty()) kept += '&';
      kept += pair;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  // Only a path on this server: "//host" or "/\\host" would send the browser elsewhere.
  const std::string& path = out.target_without_token;
  if (!path.starts_with('/') || path.starts_with("//") || path.starts_with("/\\")) {
    out.target_without_token = "/";
  }
  if (!kept.empty()) out.target_without_token += "?" + kept;
  return out;
}

std::optional<std::string> cookie(const Request& request, std::string_view name) {
  const auto [begin, end] = request.equal_range(http::field::cookie);
  for (auto field = begin; field != end; ++field) {
    std::string_view cookies(field->value().data(), field->value().size());
    while (!cookies.empty()) {
      const size_t semicolon = cookies.find(';');
      std::string_view pair = cookies.substr(0, semicolon);
      while (pair.starts_with(' ')) pair.remove_prefix(1);
      if (pair.starts_with(name) && pair.substr(name.size()).starts_with('=')) {
        return std::string(pair.substr(name.size() + 1));
      }
      if (semicolon == std::string_view::npos) break;
      cookies.remove_prefix(semicolon + 1);
    }
  }
  return std::nullopt;
}

Refusal unauthorized(std::string text) {
  return {http::status::unauthorized,
          std::move(text),
          {{http::field::www_authenticate, "Bearer realm=\"parallax\""}}};
}

}  // namespace

std::optional<std::string> normalised_origin(std::string_view origin) {
  if (origin.ends_with('/')) origin.remove_suffix(1);
  const size_t separator = origin.find("://");
  if (separator == std::string_view::npos) return std::nullopt;
  const std::string scheme = lower(origin.substr(0, separator));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const std::string_view authority = origin.substr(separator + 3);
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    port = authority.substr(close + 1);
    if (!port.empty() && !port.starts_with(':')) return std::nullopt;
    if (!port.empty()) port.remove_prefix(1);
    const bool hex = std::all_of(host.begin() + 1, host.end() - 1, [](unsigned char c) {
      return std::isxdigit(c) || c == ':' || c == '.';
    });
    if (!hex) return std::nullopt;
  } else {
    const size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    const bool name = std::all_of(host.begin(), host.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '-' || c == '.' || c == '_';
    });
    if (!name) return std::nullopt;
  }
  if (host.empty() || (host.size() == 2 && host[0] == '[')) return std::nullopt;
  int number = scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (error != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
      return std::nullopt;
    }
  }
  return scheme + "://" + lower(host) + ":" + std::to_string(number);
}

Result<AccessPolicy> AccessPolicy::create(AccessOptions options, bool tls, bool loopback) {
  AccessPolicy policy;
  policy.tls_ = tls;
  policy.loopback_ = loopback;
  for (const auto& origin : options.allowed_origins) {
    if (origin == "*") {
      policy.any_origin_ = true;
      continue;
    }
    auto normalised = normalised_origin(origin);
    if (!normalised || origin.find('/', origin.find("://") + 3) < origin.size() - 1) {
      return Status::invalid(
          "--allow-origin '{}': expected an origin such as https://example.com:8443 (scheme, "
          "host and port, no path), or *",
          origin);
    }
    policy.allowed_origins_.push_back(*normalised);
  }
  if (!options.token.empty()) {
    const bool safe = std::all_of(options.token.begin(), options.token.end(), [](unsigned char c) {
      return std::isalnum(c) || std::string_view("-._~+/=").find(c) != std::string_view::npos;
    });
    if (options.token.size() < 16 || !safe) {
      return Status::invalid(
          "--auth-token-file: the token must be at least 16 characters of letters, digits and "
          "-._~+/= (e.g. `openssl rand -hex 32`)");
    }
    policy.token_digest_ = sha256(options.token);
  }
  return policy;
}

std::optional<Refusal> AccessPolicy::check(const Request& request, bool upgrade) const {
  if (upgrade) {
    if (auto refusal = check_origin(request)) return refusal;
  }
  if (needs_token()) return check_token(request, upgrade);
  return std::nullopt;
}

std::optional<Refusal> AccessPolicy::check_origin(const Request& request) const {
  if (request.find(http::field::origin) == request.end()) return std::nullopt;  // not a page
  const std::string_view origin = header(request, http::field::origin);
  const auto normalised = normalised_origin(origin);
  if (any_origin_) return std::nullopt;
  if (normalised && std::find(allowed_origins_.begin(), allowed_origins_.end(), *normalised) !=
                        allowed_origins_.end()) {
    return std::nullopt;
  }
  const std::string_view host = header(request, http::field::host);
  const auto own =
      normalised_origin(std::string(tls_ ? "https://" : "http://") + std::string(host));
  const bool same = normalised && own && *normalised == *own;
  if (same && (!loopback_ || is_loopback_name(host_name(host)))) return std::nullopt;
  return Refusal{http::status::forbidden,
                 "a page from " + std::string(origin) +
                     " may not open this server's websocket (only the server's own pages may; "
                     "start it with --allow-origin ORIGIN to allow another)\n",
                 {}};
}

std::optional<Refusal> AccessPolicy::check_token(const Request& request, bool upgrade) const {
  const std::string_view target(request.target().data(), request.target().size());
  const QueryToken query = query_token(target);
  if (query.token) {
    if (!is_token(*query.token)) return unauthorized("wrong token\n");
    if (upgrade) return std::nullopt;
    // The browser keeps the token in a cookie and the address bar loses it.
    std::string set_cookie =
        cookie_name_ + "=" + *query.token + "; Path=/; HttpOnly; SameSite=Strict";
    if (tls_) set_cookie += "; Secure";
    return Refusal{http::status::see_other,
                   "",
                   {{http::field::location, query.target_without_token},
                    {http::field::set_cookie, set_cookie},
                    {http::field::cache_control, "no-store"}}};
  }
  const std::string_view authorization = header(request, http::field::authorization);
  if (!authorization.empty()) {
    const bool bearer = lower(authorization.substr(0, 7)) == "bearer ";
    if (bearer && is_token(authorization.substr(7))) return std::nullopt;
    return unauthorized("wrong token in Authorization (expected: Bearer TOKEN)\n");
  }
  if (const auto value = cookie(request, cookie_name_)) {
    if (is_token(*value)) return std::nullopt;
    return unauthorized("wrong token in the cookie: open /?token=TOKEN again\n");
  }
  return unauthorized(
      "this server needs its token: open /?token=TOKEN once in the browser, or send "
      "'Authorization: Bearer TOKEN' (or ?token=TOKEN on the websocket URL)\n");
}

bool AccessPolicy::is_token(std::string_view candidate) const {
  // Digests have one length whatever the candidate's: the comparison's time tells nothing.
  const std::string digest = sha256(candidate);
  return digest.size() == token_digest_.size() &&
         CRYPTO_memcmp(digest.data(), token_digest_.data(), digest.size()) == 0;
}

}  // namespace parallax::server
