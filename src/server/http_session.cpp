#include "server/http_session.h"

#include <chrono>

#include <boost/beast/websocket.hpp>

#include "server/static_files.h"
#include "server/websocket_session.h"

namespace parallax::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpSession::HttpSession(asio::ip::tcp::socket&& socket, ServerContext& context)
    : stream_(std::move(socket)), context_(context) {}

void HttpSession::start() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_next(); });
}

void HttpSession::read_next() {
  parser_.emplace();
  parser_->body_limit(1u << 20);  // requests here carry no data; the protocol is websocket
  stream_.expires_after(std::chrono::seconds(60));
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code error, size_t) { self->on_read(error); });
}

void HttpSession::on_read(beast::error_code error) {
  if (error) {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    return;
  }
  http::request<http::string_body> request = parser_->release();
  if (beast::websocket::is_upgrade(request)) {
    const std::string_view target(request.target().data(), request.target().size());
    if (target.substr(0, target.find('?')) != "/websocket") {
      return serve_error(request, http::status::not_found, "websocket is at /websocket\n");
    }
    stream_.expires_never();
    std::make_shared<WebsocketSession>(stream_.release_socket(), context_)
        ->start(std::move(request));
    return;
  }
  serve_file(request);
}

void HttpSession::serve_file(const http::request<http::string_body>& request) {
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    return serve_error(request, http::status::method_not_allowed, "only GET and HEAD\n");
  }
  if (context_.web_root.empty()) {  // not root-relative paths: no files at all
    return serve_error(request, http::status::not_found, "the viewer is not installed\n");
  }
  auto path = static_file_path(context_.web_root,
                               std::string_view(request.target().data(), request.target().size()));
  if (!path) return serve_error(request, http::status::bad_request, "bad path\n");
  http::file_body::value_type body;
  beast::error_code error;
  body.open(path->c_str(), beast::file_mode::scan, error);
  if (error) return serve_error(request, http::status::not_found, "not found\n");
  const auto size = body.size();
  auto response = std::make_shared<http::response<http::file_body>>(
      std::piecewise_construct, std::make_tuple(std::move(body)),
      std::make_tuple(http::status::ok, request.version()));
  response->set(http::field::server, "parallax");
  const std::string_view type = content_type_of(*path);
  response->set(http::field::content_type, beast::string_view(type.data(), type.size()));
  response->set(http::field::cache_control, "no-cache");
  response->content_length(size);
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
  auto response = std::make_shared<http::response<http::string_body>>(status, request.version());
  response->set(http::field::server, "parallax");
  response->set(http::field::content_type, "text/plain; charset=utf-8");
  response->keep_alive(request.keep_alive());
  response->body() = std::move(text);
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
          self->stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
          return;
        }
        self->read_next();
      });
}

}  // namespace parallax::server
