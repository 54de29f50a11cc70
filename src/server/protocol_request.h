// One protocol request being answered: the message, its client, and how to reply. Shared by
// the files that answer requests (protocol_handler, table_requests, view_requests); private
// to the server library.
#pragma once

#include <algorithm>
#include <memory>

#include "server/protocol_convert.h"
#include "server/protocol_handler.h"

namespace parallax::server {

class ProtocolHandler::Request {
 public:
  using Response = proto::Response;

  Request(const std::shared_ptr<ClientLink>& client, const proto::Request& message)
      : client(client), message(message) {}

  Response response() const {
    Response out;
    out.set_msg_id(message.msg_id());
    out.set_entity_id(message.entity_id());
    return out;
  }
  void reply(const Response& out) const { client->send(out.SerializeAsString()); }
  void fail(const Status& status, proto::StatusCode code = proto::StatusCode::SERVER_ERROR) const {
    Response out = response();
    out.mutable_server_error()->set_message(status.message());
    out.mutable_server_error()->set_status_code(code);
    reply(out);
  }
  // Replies with `status` when it is an error; answers whether it was one.
  bool failed(const Status& status) const {
    if (status.is_ok()) return false;
    fail(status);
    return true;
  }

  const std::shared_ptr<ClientLink>& client;
  const proto::Request& message;
  // A virtual table's view's request handled on the engine's thread in its turn, after the
  // requests asked before it on the view's lane have answered (virtual_requests.cpp).
  bool on_engine_turn = false;
};

// Erases `client_id`'s subscription `msg_id` from a list of subscribers; answers how many it
// erased.
template <typename Subscribers>
size_t erase_subscriber(Subscribers& subscribers, uint64_t client_id, uint32_t msg_id) {
  return std::erase_if(
      subscribers, [&](const auto& s) { return s.client_id == client_id && s.msg_id == msg_id; });
}

}  // namespace parallax::server
