// Who may use the server: which web pages may open the websocket (their Origin), and, when
// the server has a token (--auth-token-file), that every request carries it.
//
// A browser sends Origin on every websocket upgrade: a page on another site that opens
// ws://127.0.0.1:8080/websocket is refused unless its origin is the server's own (the
// scheme and the Host the browser reached it at) or listed in --allow-origin. A request
// without Origin is not from a page (the reference's node client, curl) and passes this
// check. On a loopback address the Host must be a loopback name too, which defeats DNS
// rebinding (a hostile name pointed at 127.0.0.1 makes its page "same origin").
//
// The token goes in `Authorization: Bearer TOKEN`, or in `?token=TOKEN` on the websocket
// URL, or (for the viewer) in a cookie: opening /?token=TOKEN once answers with the cookie
// (HttpOnly, SameSite=Strict, Secure under TLS) and a redirect to the same URL without the
// token; the viewer's websocket then carries the cookie.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http.hpp>

#include "common/status.h"
#include "server/server.h"

namespace parallax::server {

// What to answer instead of serving a request.
struct Refusal {
  boost::beast::http::status status;
  std::string text;
  std::vector<std::pair<boost::beast::http::field, std::string>> headers;
};

class AccessPolicy {
 public:
  // `tls`: the server speaks https/wss. `loopback`: it listens on a loopback address only.
  static Result<AccessPolicy> create(AccessOptions options, bool tls, bool loopback);
  AccessPolicy() = default;

  // The cookie's name carries the port so that two servers on one host keep their tokens.
  void set_port(uint16_t port) { cookie_name_ = "parallax_token_" + std::to_string(port); }
  bool needs_token() const { return !token_digest_.empty(); }

  // Nothing when `request` may be served (a websocket upgrade when `upgrade`).
  std::optional<Refusal> check(
      const boost::beast::http::request<boost::beast::http::string_body>& request,
      bool upgrade) const;

 private:
  std::optional<Refusal> check_origin(
      const boost::beast::http::request<boost::beast::http::string_body>& request) const;
  std::optional<Refusal> check_token(
      const boost::beast::http::request<boost::beast::http::string_body>& request,
      bool upgrade) const;
  bool is_token(std::string_view candidate) const;

  std::vector<std::string> allowed_origins_;  // normalised: scheme://host:port
  bool any_origin_ = false;
  bool tls_ = false;
  bool loopback_ = true;
  std::string token_digest_;  // SHA-256 of the token; empty: no authentication
  std::string cookie_name_ = "parallax_token";
};

// "HTTP://Example.com" -> "http://example.com:80": an origin with its scheme and host in
// lower case and its port explicit; nothing when `origin` is not scheme://host[:port].
std::optional<std::string> normalised_origin(std::string_view origin);

}  // namespace parallax::server
