// One HTTP connection: serves the viewer's static files, and hands a websocket upgrade on
// /websocket to a WebsocketSession. Under TLS it first completes the handshake. Every
// request passes the server's AccessPolicy (Origin, token) first.
#pragma once

#include <memory>
#include <optional>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "server/server_context.h"
#include "server/server_stream.h"

namespace parallax::server {

struct Refusal;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // Speaks TLS on `socket` when the server has a certificate (context.tls).
  HttpSession(boost::asio::ip::tcp::socket&& socket, ServerContext& context);
  void start();

 private:
  void read_next();
  void on_read(boost::beast::error_code error);
  template <typename Response>
  void write(std::shared_ptr<Response> response);
  void serve_file(const boost::beast::http::request<boost::beast::http::string_body>& request);
  void serve_error(const boost::beast::http::request<boost::beast::http::string_body>& request,
                   boost::beast::http::status status, std::string text);
  void serve_refusal(const boost::beast::http::request<boost::beast::http::string_body>& request,
                     Refusal refusal);
  void shutdown();

  ServerStream stream_;
  ServerContext& context_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
};

}  // namespace parallax::server
