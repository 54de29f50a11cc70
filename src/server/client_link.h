// What the protocol handler needs from one connected client. Implemented by the websocket
// session; the handler calls it from the engine thread, and it must never block there.
#pragma once

#include <cstdint>
#include <string>

namespace parallax::server {

class ClientLink {
 public:
  virtual ~ClientLink() = default;
  virtual uint64_t client_id() const = 0;
  // Queues one encoded Response for the client.
  virtual void send(std::string message) = 0;
  // Queues a change notification. While one with the same key is still waiting to be
  // written, the new one is dropped: a client that falls behind hears once, not N times.
  virtual void send_notification(uint64_t key, std::string message) = 0;
};

}  // namespace parallax::server
