// The protocol's view requests: make a view, read it in every format, its schema, config,
// dimensions and column paths, expand and collapse, the on-update and on-delete subscriptions
// (ROW mode's Arrow deltas), delete.
#include <algorithm>
#include <string>

#include "api/view_arrow.h"
#include "server/protocol_convert.h"
#include "server/protocol_handler.h"
#include "server/protocol_request.h"
#include "server/view_answers.h"

namespace parallax::server {

namespace {

// The config's lists against the per-view caps of `limits`.
Status check_view_config(const ViewConfig& config, const ClientLimits& limits) {
  if (config.expressions.size() > limits.expressions) {
    return client_limit_reached(limits.expressions, "expression columns per view",
                                "--view-expressions");
  }
  if (std::max(config.group_by.size(), config.split_by.size()) > limits.group_levels) {
    return client_limit_reached(limits.group_levels, "group_by or split_by levels per view",
                                "--view-group-levels");
  }
  const size_t terms = std::max({config.columns ? config.columns->size() : 0, config.sort.size(),
                                 config.filter.size(), config.aggregates.size()});
  if (terms > limits.config_terms) {
    return client_limit_reached(limits.config_terms,
                                "columns, sort keys, filter terms or aggregates per view",
                                "--view-config-terms");
  }
  return Status::ok();
}

// A ROW-mode on_update: the changed rows as Arrow.
void send_delta(const std::weak_ptr<ClientLink>& client, uint32_t msg_id,
                const std::string& view_id, uint32_t port, const std::string& delta) {
  auto link = client.lock();
  if (!link) return;
  proto::Response note;
  note.set_msg_id(msg_id);
  note.set_entity_id(view_id);
  auto* resp = note.mutable_view_on_update_resp();
  resp->set_port_id(port);
  resp->set_delta(delta);
  link->send(note.SerializeAsString());
}

}  // namespace

using proto::Response;

void ProtocolHandler::make_view(Request& request) {
  const proto::Request& message = request.message;
  const auto& make = message.table_make_view_req();
  ClientState& state = clients_[request.client->client_id()];
  if (state.views.contains(make.view_id())) {
    request.fail(Status::invalid("a view named '{}' already exists", make.view_id()));
    return;
  }
  if (state.views.size() >= options_.limits.views) {
    request.fail(client_limit_reached(options_.limits.views, "views per client", "--client-views"));
    return;
  }
  auto config = view_config_from_proto(make.config());
  if (request.failed(config.status()) ||
      request.failed(check_view_config(config.value(), options_.limits))) {
    return;
  }
  const std::string engine_name =
      std::to_string(request.client->client_id()) + "/" + make.view_id();
  if (lanes_ && engine_.is_virtual(message.entity_id())) {
    make_virtual_view(request, make.view_id(), engine_name, std::move(config).value());
    return;
  }
  // Clients that open the same view of a table share one until one of them expands,
  // collapses or sets the depth of its own (api::Engine::ViewSharing).
  if (request.failed(engine_.create_view(message.entity_id(), engine_name,
                                         std::move(config).value(),
                                         Engine::ViewSharing::kShared))) {
    return;
  }
  state.views[make.view_id()] = ClientView{engine_name, message.entity_id(), {}, {}};
  Response out = request.response();
  out.mutable_table_make_view_resp()->set_view_id(make.view_id());
  request.reply(out);
}

void ProtocolHandler::handle_view_request(Request& request) {
  const proto::Request& message = request.message;
  ClientState& state = clients_[request.client->client_id()];
  auto found = state.views.find(message.entity_id());
  if (found == state.views.end()) {
    request.fail(Status::not_found("no view named '{}'", message.entity_id()),
                 proto::StatusCode::VIEW_NOT_FOUND);
    return;
  }
  ClientView& entry = found->second;
  using Case = proto::Request::ClientReqCase;
  // A virtual table's view answers on its database's workers (virtual_lanes.h); its
  // subscriptions are kept here, once what was asked before them has answered.
  if (entry.slot && !request.on_engine_turn) {
    handle_virtual_view_request(request, entry);
    return;
  }
  Response out = request.response();
  if (is_view_read(message.client_req_case())) {
    auto looked_up = engine_.view(entry.engine_name);
    if (request.failed(looked_up.status()) ||
        request.failed(answer_view_read(*looked_up.value(), message, out))) {
      return;
    }
    request.reply(out);
    return;
  }
  switch (message.client_req_case()) {
    case Case::kViewOnUpdateReq:
      subscribe_updates(request, entry);
      return;
    case Case::kViewRemoveOnUpdateReq: {
      auto subscription = entry.updates.find(message.view_remove_on_update_req().id());
      if (subscription != entry.updates.end()) {
        (void)engine_.remove_update(entry.engine_name, subscription->second);
        entry.updates.erase(subscription);
        remove_subscriptions(request.client->client_id(), 1);
      }
      out.mutable_view_remove_on_update_resp();
      break;
    }
    case Case::kViewOnDeleteReq:
      if (!add_subscription(request)) return;
      entry.on_delete.push_back(message.msg_id());
      return;  // answered when the view is deleted
    case Case::kViewRemoveDeleteReq:
      remove_subscriptions(request.client->client_id(),
                           std::erase(entry.on_delete, message.view_remove_delete_req().id()));
      out.mutable_view_remove_delete_resp();
      break;
    case Case::kViewSetDepthReq:
      if (request.failed(
              engine_.set_depth(entry.engine_name, message.view_set_depth_req().depth()))) {
        return;
      }
      out.mutable_view_set_depth_resp();
      break;
    case Case::kViewExpandReq:
    case Case::kViewCollapseReq: {
      const bool expand = message.client_req_case() == Case::kViewExpandReq;
      auto changed =
          expand ? engine_.expand(entry.engine_name, message.view_expand_req().row_index())
                 : engine_.collapse(entry.engine_name, message.view_collapse_req().row_index());
      if (request.failed(changed.status())) return;
      const auto count = static_cast<uint32_t>(std::max<int64_t>(changed.value(), 0));
      if (expand) {
        out.mutable_view_expand_resp()->set_num_changed(count);
      } else {
        out.mutable_view_collapse_resp()->set_num_changed(count);
      }
      break;
    }
    case Case::kViewDeleteReq:
      delete_view(request, state, message.entity_id());
      return;
    default:
      request.fail(
          Status::invalid("unknown request kind {}", static_cast<int>(message.client_req_case())));
      return;
  }
  request.reply(out);
}

void ProtocolHandler::subscribe_updates(Request& request, ClientView& view) {
  const proto::Request& message = request.message;
  std::weak_ptr<ClientLink> client = request.client;
  const uint32_t msg_id = message.msg_id();
  const std::string view_id = message.entity_id();
  if (!add_subscription(request)) return;
  Result<uint64_t> subscribed = uint64_t{0};
  if (message.view_on_update_req().has_mode()) {
    // ROW mode: each change's rows as Arrow. Deltas are never conflated (each carries rows
    // the others do not); a client too far behind is dropped by its queue bound instead.
    if (auto slot = view.slot) {
      // A virtual view's changed rows are read on its lane (the read may run a query, and
      // only the lane touches the view), then sent from the engine's thread.
      subscribed = engine_.on_update(
          view.engine_name, [this, client, msg_id, view_id, slot](const ViewUpdate&) {
            (void)lanes_->run(
                slot,
                [this, client, msg_id, view_id](VirtualSlot& s) -> VirtualLanes::Then {
                  if (!s.view || s.dropped) return {};
                  std::string delta = frame_to_arrow(*s.view, s.view->read_changed(ChangeSet{}));
                  return [this, client, msg_id, view_id, delta = std::move(delta)] {
                    send_delta(client, msg_id, view_id, current_port_, delta);
                  };
                },
                /*bounded=*/false);  // (one per rerun that changed something: refreshes conflate)
          });
    } else {
      if (request.failed(engine_.view(view.engine_name).status())) return;
      // The view starts tracking its changed rows now, from the state the client last saw.
      if (request.failed(engine_.track_changes(view.engine_name))) return;
      subscribed = engine_.on_update(
          view.engine_name, [this, client, msg_id, view_id](const ViewUpdate& update) {
            // Looked up by name at each change: a shared view forks into a new one when its
            // client expands or collapses it.
            auto found = engine_.view(update.view);
            if (!found.is_ok()) return;
            const View* tracked = found.value();
            const ChangeSet& changes = update.changes;
            const Frame rows = tracked->read_changed(changes);
            // The reference says nothing of a clear (its rows are gone, none changed).
            if (changes.cleared && changes.added_rows.empty() && changes.updated_rows.empty()) {
              return;
            }
            send_delta(client, msg_id, view_id, current_port_, frame_to_arrow(*tracked, rows));
          });
    }
  } else {
    subscribed =
        engine_.on_update(view.engine_name, [this, client, msg_id, view_id](const ViewUpdate&) {
          auto link = client.lock();
          if (!link) return;
          Response note;
          note.set_msg_id(msg_id);
          note.set_entity_id(view_id);
          note.mutable_view_on_update_resp()->set_port_id(current_port_);
          link->send_notification(msg_id, note.SerializeAsString());
        });
  }
  if (request.failed(subscribed.status())) {
    remove_subscriptions(request.client->client_id(), 1);
    return;
  }
  if (auto replaced = view.updates.find(msg_id); replaced != view.updates.end()) {
    // The same msg_id again: the newer subscription replaces the older one.
    (void)engine_.remove_update(view.engine_name, replaced->second);
    remove_subscriptions(request.client->client_id(), 1);
  }
  view.updates[msg_id] = subscribed.value();
}

void ProtocolHandler::delete_view(Request& request, ClientState& state,
                                  const std::string& view_id) {
  ClientView& entry = state.views.at(view_id);
  // (A virtual table's view deleted before it was made was never in the engine.)
  if (entry.slot) lanes_->drop(entry.slot);
  if ((!entry.slot || entry.slot->adopted) &&
      request.failed(engine_.delete_view(entry.engine_name))) {
    return;
  }
  Response out = request.response();
  out.mutable_view_delete_resp();
  request.reply(out);
  remove_subscriptions(request.client->client_id(), entry.updates.size() + entry.on_delete.size());
  for (uint32_t msg_id : entry.on_delete) {
    Response note;
    note.set_msg_id(msg_id);
    note.set_entity_id(view_id);
    note.mutable_view_on_delete_resp();
    request.client->send(note.SerializeAsString());
  }
  state.views.erase(view_id);
}

}  // namespace parallax::server
