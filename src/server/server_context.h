// What every connection of a running server shares (internal to the server library).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/asio/io_context.hpp>

#include "server/protocol_handler.h"

namespace parallax::server {

struct ConnectionLimits {
  size_t max_message_bytes;
  size_t max_queued_bytes;
  int max_requests_in_flight = 64;  // per client, before its reads pause
};

struct ServerContext {
  boost::asio::io_context& engine_io;  // the engine's own thread: every engine call runs here
  ProtocolHandler& handler;
  std::string web_root;
  ConnectionLimits limits;
  std::atomic<uint64_t> next_client_id{1};
};

}  // namespace parallax::server
