#include "server/websocket_session.h"

#include <cstdio>

#include <boost/asio/post.hpp>

namespace parallax::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace proto = ::perspective::proto;

WebsocketSession::WebsocketSession(ServerStream&& stream, ServerContext& context)
    : ws_(std::move(stream)),
      executor_(ws_.get_executor()),
      context_(context),
      id_(context.next_client_id++) {
  boost::system::error_code error;
  const auto peer = beast::get_lowest_layer(ws_).socket().remote_endpoint(error);
  if (!error) peer_ = peer.address().to_string() + ":" + std::to_string(peer.port());
}

void WebsocketSession::start(beast::http::request<beast::http::string_body> request) {
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(beast::http::field::server, "parallax");
  }));
  ws_.read_message_max(context_.limits.max_message_bytes);
  ws_.binary(true);
  budget_.emplace(context_.queue_budget, [weak = weak_from_this()](const std::string& reason) {
    if (auto self = weak.lock()) {
      asio::post(self->executor_, [self, reason] { self->drop(reason); });
    }
  });
  ws_.async_accept(request, [self = shared_from_this()](beast::error_code error) {
    if (error) return self->close();
    self->read_next();
  });
}

void WebsocketSession::read_next() {
  if (closed_ || reading_) return;
  reading_ = true;
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code error, size_t bytes) {
    self->on_read(error, bytes);
  });
}

void WebsocketSession::on_read(beast::error_code error, size_t bytes) {
  reading_ = false;
  if (error) return close();
  proto::Request request;
  const bool parsed = request.ParseFromArray(buffer_.data().data(), static_cast<int>(bytes));
  buffer_.consume(bytes);
  if (!parsed) {
    // Not a protocol message: say so and keep serving this client.
    proto::Response out;
    out.mutable_server_error()->set_message(
        "malformed message: not a Perspective protocol Request (protobuf)");
    out.mutable_server_error()->set_status_code(proto::StatusCode::TRANSPORT_ERROR);
    send(out.SerializeAsString());
    return read_next();
  }
  ++in_flight_;
  in_flight_bytes_ += bytes;
  asio::post(context_.engine_io,
             [self = shared_from_this(), request = std::move(request), bytes]() {
               self->context_.handler.handle(self, request);
               asio::post(self->executor_, [self, bytes] { self->on_request_done(bytes); });
             });
  if (may_read_more()) read_next();
}

void WebsocketSession::on_request_done(size_t bytes) {
  --in_flight_;
  in_flight_bytes_ -= bytes;
  if (may_read_more()) read_next();
}

bool WebsocketSession::may_read_more() const {
  // Requests waiting for the engine hold their bytes: a client may have many small ones or
  // one big one (up to --max-message-mb) waiting, not 64 big ones.
  return in_flight_ < context_.limits.max_requests_in_flight &&
         in_flight_bytes_ < context_.limits.max_message_bytes;
}

void WebsocketSession::send(std::string message) {
  asio::post(executor_, [self = shared_from_this(), message = std::move(message)]() mutable {
    self->enqueue({std::move(message), std::nullopt});
  });
}

void WebsocketSession::send_notification(uint64_t key, std::string message) {
  asio::post(executor_, [self = shared_from_this(), key, message = std::move(message)]() mutable {
    if (self->pending_notifications_.contains(key)) return;  // conflated
    self->pending_notifications_.insert(key);
    self->enqueue({std::move(message), key});
  });
}

void WebsocketSession::enqueue(Outgoing message) {
  if (closed_) return;
  queued_bytes_ += message.bytes.size();
  if (queued_bytes_ > context_.limits.max_queued_bytes) {
    return drop(fmt::format("it stopped reading: {} bytes waiting for it (over --client-queue-mb)",
                            queued_bytes_));
  }
  if (!budget_->charge(message.bytes.size())) return;  // dropped to make room: drop() is posted
  queue_.push_back(std::move(message));
  write_next();
}

void WebsocketSession::write_next() {
  if (closed_ || writing_ || queue_.empty()) return;
  writing_ = true;
  Outgoing& next = queue_.front();
  if (next.notification) pending_notifications_.erase(*next.notification);
  ws_.async_write(asio::buffer(next.bytes),
                  [self = shared_from_this()](beast::error_code error, size_t bytes) {
                    self->on_write(error, bytes);
                  });
}

void WebsocketSession::on_write(beast::error_code error, size_t) {
  writing_ = false;
  if (error || closed_) return close();
  queued_bytes_ -= queue_.front().bytes.size();
  budget_->release(queue_.front().bytes.size());
  queue_.pop_front();
  write_next();
}

void WebsocketSession::drop(const std::string& reason) {
  if (closed_) return;
  std::fprintf(stderr, "parallax: client %llu (%s) dropped: %s\n",
               static_cast<unsigned long long>(id_), peer_.c_str(), reason.c_str());
  close();
}

void WebsocketSession::close() {
  if (closed_) return;
  closed_ = true;
  if (budget_) budget_->close();
  // Free what waits, but the message being written: the write may still read it.
  while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
  pending_notifications_.clear();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).socket().close(ignored);
  asio::post(context_.engine_io,
             [self = shared_from_this()] { self->context_.handler.disconnect(self->id_); });
}

}  // namespace parallax::server
