#include "server/http_session.h"

#include <chrono>

#include <boost/beast/websocket.hpp>

#include "server/access_policy.h"
#include "server/static_files.h"
#include "server/websocket_session.h"

namespace parallax::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpSession::HttpSession(asio::ip::tcp::socket&& socket, ServerContext& context)
    : stream_(std::move(socket), context.tls), context_(context) {}

void HttpSession::start() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    auto* tls = self->stream_.tls();
    if (!tls) return self->read_next();
    beast::get_lowest_layer(self->stream_).expires_after(std::chrono::seconds(30));
    tls->async_handshake(asio::ssl::stream_base::server, [self](beast::error_code error) {
      if (error) return self->shutdown();
      self->read_next();
    });
  });
}

void HttpSession::read_next() {
  parser_.emplace();
  parser_->body_limit(1u << 20);  // requests here carry no data; the protocol is websocket
  beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code error, size_t) { self->on_read(error); });
}

void HttpSession::shutdown() {
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

void HttpSession::on_read(beast::error_code error) {
  if (error == http::error::header_limit) {
    http::request<http::string_body> request;
    request.keep_alive(false);
    return serve_error(request, http::status::request_header_fields_too_large,
                       "request header too large\n");
  }
  if (error) return shutdown();
  http::request<http::string_body> request = parser_->release();
  const bool upgrade = beast::websocket::is_upgrade(request);
  if (auto refusal = context_.access->check(request, upgrade)) {
    return serve_refusal(request, std::move(*refusal));
  }
  if (upgrade) {
    const std::string_view target(request.target().data(), request.target().size());
    if (target.substr(0, target.find('?')) != "/websocket") {
      return serve_error(request, http::status::not_found, "websocket is at /websocket\n");
    }
    beast::get_lowest_layer(stream_).expires_never();
    std::make_shared<WebsocketSession>(std::move(stream_), context_)->start(std::move(request));
    return;
  }
  serve_file(request);
}

void HttpSession::serve_file(const http::request<http::string_body>& request) {
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    return serve_error(request, http::status::method_not_allowed, "only GET and HEAD\n");
  }
  if (!context_.web) {  // no web root: no files at all
    return serve_error(request, http::status::not_found, "the viewer is not installed\n");
  }
  auto opened =
      context_.web->open_file(std::string_view(request.target().data(), request.target().size()));
  if (!opened.is_ok()) {
    const bool malformed = opened.status().code() == StatusCode::kInvalid;
    return serve_error(request, malformed ? http::status::bad_request : http::status::not_found,
                       opened.status().message() + "\n");
  }
  OpenFile& file = opened.value();
  beast::file posix;
  posix.native_handle(file.release());
  http::file_body::value_type body;
  beast::error_code error;
  body.reset(std::move(posix), error);
  if (error) return serve_error(request, http::status::not_found, "not found\n");
  auto response = std::make_shared<http::response<http::file_body>>(
      std::piecewise_construct, std::make_tuple(std::move(body)),
      std::make_tuple(http::status::ok, request.version()));
  response->set(http::field::server, "parallax");
  const std::string_view type = file.content_type();
  response->set(http::field::content_type, beast::string_view(type.data(), type.size()));
  response->set(http::field::cache_control, "no-cache");
  response->set("X-Content-Type-Options", "nosniff");
  response->content_length(file.size());
  response->keep_alive(request.keep_alive());
  if (request.method() == http::verb::head) {
    auto head =
        std::make_shared<http::response<http::empty_body>>(http::status::ok, request.version());
    head->base() = response->base();
    return write(head);
  }
  write(response);
}

void HttpSession::serve_error(const http::request<http::string_body>& request, http::status status,
                              std::string text) {
  serve_refusal(request, Refusal{status, std::move(text), {}});
}

void HttpSession::serve_refusal(const http::request<http::string_body>& request, Refusal refusal) {
  auto response =
      std::make_shared<http::response<http::string_body>>(refusal.status, request.version());
  response->set(http::field::server, "parallax");
  response->set(http::field::content_type, "text/plain; charset=utf-8");
  response->set("X-Content-Type-Options", "nosniff");
  for (auto& [field, value] : refusal.headers) response->set(field, value);
  // A refused upgrade ends the connection: the client expected a websocket, not more HTTP.
  const bool upgrade = beast::websocket::is_upgrade(request);
  response->keep_alive(request.keep_alive() && !(upgrade && refusal.status != http::status::ok));
  response->body() = std::move(refusal.text);
  response->prepare_payload();
  write(response);
}

template <typename Response>
void HttpSession::write(std::shared_ptr<Response> response) {
  const bool keep_alive = response->keep_alive();
  http::async_write(
      stream_, *response,
      [self = shared_from_this(), response, keep_alive](beast::error_code error, size_t) {
        if (error || !keep_alive) {
          beast::error_code ignored;
          beast::get_lowest_layer(self->stream_)
              .socket()
              .shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
          return;
        }
        self->read_next();
      });
}

}  // namespace parallax::server
