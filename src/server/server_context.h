// What every connection of a running server shares (internal to the server library).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/asio/io_context.hpp>

#include "server/protocol_handler.h"
#include "server/queue_budget.h"

namespace boost::asio::ssl {
class context;
}

namespace parallax::server {

class AccessPolicy;
class WebRoot;

struct ConnectionLimits {
  size_t max_message_bytes;
  size_t max_queued_bytes;          // one client's; all clients' together are bounded by the budget
  int max_requests_in_flight = 64;  // per client, before its reads pause
};

struct ServerContext {
  boost::asio::io_context& engine_io;  // the engine's own thread: every engine call runs here
  ProtocolHandler& handler;
  ConnectionLimits limits;
  QueueBudget& queue_budget;
  std::atomic<uint64_t> next_client_id{1};
  // Set by Server::start, read-only afterwards.
  const WebRoot* web = nullptr;              // the viewer's files
  const AccessPolicy* access = nullptr;      // Origin and token checks
  boost::asio::ssl::context* tls = nullptr;  // null: plain http and ws
};

}  // namespace parallax::server
