// One websocket client: reads Requests and hands them to the engine thread, writes the
// answers back in order. Its outgoing queue is bounded: a client that stops reading is
// disconnected when the queue outgrows the limit, and change notifications it has not yet
// received are conflated, so a slow client never holds up the engine or anyone else.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "server/client_link.h"
#include "server/server_context.h"
#include "server/server_stream.h"

namespace parallax::server {

class WebsocketSession : public ClientLink, public std::enable_shared_from_this<WebsocketSession> {
 public:
  WebsocketSession(ServerStream&& stream, ServerContext& context);

  // Completes the upgrade that `request` asked for, then serves the client.
  void start(boost::beast::http::request<boost::beast::http::string_body> request);

  uint64_t client_id() const override { return id_; }
  void send(std::string message) override;
  void send_notification(uint64_t key, std::string message) override;

 private:
  struct Outgoing {
    std::string bytes;
    std::optional<uint64_t> notification;
  };

  void read_next();
  void on_read(boost::beast::error_code error, size_t bytes);
  void on_request_done(size_t bytes);
  bool may_read_more() const;
  void enqueue(Outgoing message);
  void write_next();
  void on_write(boost::beast::error_code error, size_t bytes);
  // Drops the connection; the engine forgets the client's views and subscriptions.
  void close();
  // Drops the connection, logging why.
  void drop(const std::string& reason);

  boost::beast::websocket::stream<ServerStream> ws_;
  boost::asio::any_io_executor executor_;  // the connection's strand
  ServerContext& context_;
  const uint64_t id_;
  boost::beast::flat_buffer buffer_;
  std::string peer_;                            // the client's address, for the log
  std::optional<QueueBudget::Account> budget_;  // this client's share of all queues
  std::deque<Outgoing> queue_;
  size_t queued_bytes_ = 0;
  std::unordered_set<uint64_t> pending_notifications_;
  int in_flight_ = 0;
  size_t in_flight_bytes_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace parallax::server
