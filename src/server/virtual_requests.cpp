// The protocol's requests on virtual tables' views, answered on their databases' workers
// (virtual_lanes.h) so that a slow query holds one worker, not the engine's thread: the view
// is made there, its reads (which run SQL) and layout changes run there, in the order the
// client asked, and the answers are sent from the engine's thread. What only the handler's
// state holds (subscriptions, delete) is done on the engine's thread in its turn: after the
// view's earlier requests have answered, so a view's answers keep the order of its requests.
#include <algorithm>
#include <string>

#include "server/protocol_convert.h"
#include "server/protocol_handler.h"
#include "server/protocol_request.h"
#include "server/view_answers.h"

namespace parallax::server {

using proto::Response;
using Case = proto::Request::ClientReqCase;
using Then = VirtualLanes::Then;

namespace {

// The answer of a request the slot's view answers itself (on its lane).
Status answer_on_lane(VirtualSlot& slot, const proto::Request& message, Response& out) {
  if (slot.dropped) {
    return Status::invalid("view '{}' was deleted before its answer came", message.entity_id());
  }
  if (!slot.view) return slot.made;
  View& view = *slot.view;
  switch (message.client_req_case()) {
    case Case::kViewSetDepthReq:
      PX_RETURN_IF_ERROR(view.set_depth(message.view_set_depth_req().depth()));
      out.mutable_view_set_depth_resp();
      return Status::ok();
    case Case::kViewExpandReq: {
      PX_ASSIGN_OR_RETURN(int64_t changed, view.expand(message.view_expand_req().row_index()));
      out.mutable_view_expand_resp()->set_num_changed(
          static_cast<uint32_t>(std::max<int64_t>(changed, 0)));
      return Status::ok();
    }
    case Case::kViewCollapseReq: {
      PX_ASSIGN_OR_RETURN(int64_t changed, view.collapse(message.view_collapse_req().row_index()));
      out.mutable_view_collapse_resp()->set_num_changed(
          static_cast<uint32_t>(std::max<int64_t>(changed, 0)));
      return Status::ok();
    }
    default:
      return answer_view_read(view, message, out);
  }
}

bool answers_on_lane(Case kind) {
  return is_view_read(kind) || kind == Case::kViewSetDepthReq || kind == Case::kViewExpandReq ||
         kind == Case::kViewCollapseReq;
}

// Sends `out`, or the error, to the client if it is still connected (engine thread).
void reply_to(const std::weak_ptr<ClientLink>& link, const proto::Request& message,
              const Status& status, const Response& out) {
  auto client = link.lock();
  if (!client) return;  // it left: the answer goes nowhere
  if (status.is_ok()) {
    client->send(out.SerializeAsString());
    return;
  }
  Response error;  // as Request::fail
  error.set_msg_id(message.msg_id());
  error.set_entity_id(message.entity_id());
  error.mutable_server_error()->set_message(status.message());
  error.mutable_server_error()->set_status_code(proto::StatusCode::SERVER_ERROR);
  client->send(error.SerializeAsString());
}

}  // namespace

void ProtocolHandler::make_virtual_view(Request& request, const std::string& view_id,
                                        const std::string& engine_name, ViewConfig config) {
  const std::string& table = request.message.entity_id();
  config.expression_limits = engine_.expression_limits();
  auto slot = lanes_->make_slot(table, engine_name);
  std::weak_ptr<ClientLink> link = request.client;
  const uint64_t client_id = request.client->client_id();
  Status queued = lanes_->run(
      slot,
      [this, link, client_id, view_id, config,
       message = request.message](VirtualSlot& made) -> Then {
        // The view's first queries (its row count, a grouped view's groups) run here.
        if (!made.dropped) {
          auto view = Engine::make_virtual_view(*made.source, config);
          if (view.is_ok()) {
            made.view = std::shared_ptr<View>(std::move(view).value());
          } else {
            made.made = view.status();
          }
        }
        return [this, link, client_id, view_id, config, message, made = &made] {
          auto state = clients_.find(client_id);
          if (state == clients_.end()) return;  // the client left: dropped with it
          auto entry = state->second.views.find(view_id);
          // (Compared, not followed: the entry holds this slot until the view's delete,
          // which answers after this in the lane's order.)
          if (entry == state->second.views.end() || entry->second.slot.get() != made) return;
          const std::shared_ptr<VirtualSlot> slot = entry->second.slot;
          Response out;
          out.set_msg_id(message.msg_id());
          out.set_entity_id(message.entity_id());
          Status status = slot->dropped
                              ? Status::invalid("view '{}' was deleted before it was made", view_id)
                              : slot->made;
          if (status.is_ok()) {
            status = engine_.adopt_view(slot->table, slot->engine_name, slot->view, config);
          }
          if (status.is_ok()) {
            lanes_->adopted(slot);
            out.mutable_table_make_view_resp()->set_view_id(view_id);
          } else if (!slot->dropped) {
            // Never made: the name is free again (the requests queued behind it answered the
            // error too).
            lanes_->drop(slot);
            state->second.views.erase(entry);
          }
          reply_to(link, message, status, out);
        };
      });
  if (request.failed(queued)) {
    lanes_->drop(slot);
    return;
  }
  // Known at once: the client's next requests on it queue behind its making.
  clients_[client_id].views[view_id] = ClientView{engine_name, table, {}, {}, slot};
}

void ProtocolHandler::handle_virtual_view_request(Request& request, ClientView& entry) {
  const Case kind = request.message.client_req_case();
  std::weak_ptr<ClientLink> link = request.client;
  // Deleted: its query running is cancelled now, the rest in its turn.
  if (kind == Case::kViewDeleteReq) lanes_->drop(entry.slot);
  Status queued = lanes_->run(
      entry.slot,
      [this, link, message = request.message](VirtualSlot& slot) -> Then {
        if (answers_on_lane(message.client_req_case())) {
          Response out;
          out.set_msg_id(message.msg_id());
          out.set_entity_id(message.entity_id());
          Status status = answer_on_lane(slot, message, out);
          if (slot.dropped) {  // (its query was cancelled: say why)
            status = Status::invalid("view '{}' was deleted before its answer came",
                                     message.entity_id());
          }
          return [link, message, status = std::move(status), out = std::move(out)] {
            reply_to(link, message, status, out);
          };
        }
        return [this, link, message] {
          auto client = link.lock();
          // (A client whose disconnect was handled is gone, whatever its link.)
          if (!client || !clients_.contains(client->client_id())) return;
          Request turn(client, message);
          turn.on_engine_turn = true;
          handle_view_request(turn);
        };
      },
      /*bounded=*/kind != Case::kViewDeleteReq);
  request.failed(queued);
}

void ProtocolHandler::virtual_table_size(Request& request) {
  auto table = engine_.shared_virtual_table(request.message.entity_id());
  std::weak_ptr<ClientLink> link = request.client;
  Status queued = lanes_->run_for_table(
      request.message.entity_id(), [table, link, message = request.message]() -> Then {
        Result<size_t> size = table->num_rows();
        return [link, message, size = std::move(size)] {
          Response out;
          out.set_msg_id(message.msg_id());
          out.set_entity_id(message.entity_id());
          if (size.is_ok())
            out.mutable_table_size_resp()->set_size(static_cast<uint32_t>(size.value()));
          reply_to(link, message, size.status(), out);
        };
      });
  request.failed(queued);
}

}  // namespace parallax::server
