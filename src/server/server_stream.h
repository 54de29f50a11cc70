// One accepted connection's byte stream: plain TCP, or TLS over TCP when the server has a
// certificate (https and wss on the same port). Both HTTP and websocket sessions read and
// write through it, so neither needs a second, TLS-typed copy of itself.
#pragma once

#include <utility>
#include <variant>

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace parallax::server {

class ServerStream {
 public:
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using executor_type = boost::beast::tcp_stream::executor_type;

  // `tls`: the server's certificate, or null for plain TCP.
  ServerStream(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context* tls)
      : stream_(make(std::move(socket), tls)) {}

  executor_type get_executor() { return tcp().get_executor(); }
  // The TCP stream under TLS, if any (what beast::get_lowest_layer returns: timeouts, close).
  boost::beast::tcp_stream& next_layer() { return tcp(); }
  boost::beast::tcp_stream& tcp() {
    if (auto* tls = this->tls()) return tls->next_layer();
    return std::get<boost::beast::tcp_stream>(stream_);
  }
  TlsStream* tls() { return std::get_if<TlsStream>(&stream_); }

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const Buffers& buffers) {
          visit([&](auto& stream) { stream.async_read_some(buffers, std::move(handler)); });
        },
        token, buffers);
  }
  template <typename Buffers, typename Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const Buffers& buffers) {
          visit([&](auto& stream) { stream.async_write_some(buffers, std::move(handler)); });
        },
        token, buffers);
  }
  // The synchronous forms complete the stream concepts; the server only uses the async ones.
  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers, boost::beast::error_code& error) {
    return visit([&](auto& stream) { return stream.read_some(buffers, error); });
  }
  template <typename Buffers>
  std::size_t write_some(const Buffers& buffers, boost::beast::error_code& error) {
    return visit([&](auto& stream) { return stream.write_some(buffers, error); });
  }

  template <typename Function>
  decltype(auto) visit(Function&& function) {
    return std::visit(std::forward<Function>(function), stream_);
  }

 private:
  using Variant = std::variant<boost::beast::tcp_stream, TlsStream>;
  static Variant make(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context* tls) {
    if (tls) return Variant(std::in_place_type<TlsStream>, std::move(socket), *tls);
    return Variant(std::in_place_type<boost::beast::tcp_stream>, std::move(socket));
  }
  Variant stream_;
};

// The websocket closing handshake's last step, found by argument-dependent lookup: a TLS
// shutdown under TLS, a TCP shutdown otherwise.
inline void teardown(boost::beast::role_type role, ServerStream& stream,
                     boost::beast::error_code& error) {
  stream.visit([&](auto& layer) {
    using boost::beast::websocket::teardown;
    teardown(role, layer, error);
  });
}

template <typename Handler>
void async_teardown(boost::beast::role_type role, ServerStream& stream, Handler&& handler) {
  stream.visit([&](auto& layer) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, layer, std::forward<Handler>(handler));
  });
}

}  // namespace parallax::server
