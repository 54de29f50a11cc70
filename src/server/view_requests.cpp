// The protocol's view requests: make a view, read it in every format, its schema, config,
// dimensions and column paths, expand and collapse, the on-update and on-delete subscriptions
// (ROW mode's Arrow deltas), delete.
#include <algorithm>
#include <string>

#include "api/view_arrow.h"
#include "api/view_output.h"
#include "server/protocol_convert.h"
#include "server/protocol_handler.h"
#include "server/protocol_request.h"

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
  auto looked_up = engine_.view(entry.engine_name);
  if (request.failed(looked_up.status())) return;
  const View& view = *looked_up.value();
  Response out = request.response();
  using Case = proto::Request::ClientReqCase;
  auto write = [&](const auto& read, ViewTextFormat format) -> Result<std::string> {
    return write_view(view, read_window_from_proto(read), format);
  };
  switch (message.client_req_case()) {
    case Case::kViewSchemaReq: {
      auto* schema = out.mutable_view_schema_resp()->mutable_schema();
      for (const auto& field : view.schema()) (*schema)[field.name] = column_type_of(field.type);
      break;
    }
    case Case::kViewDimensionsReq: {
      auto dimensions = engine_.dimensions(entry.engine_name);
      if (request.failed(dimensions.status())) return;
      auto* out_dimensions = out.mutable_view_dimensions_resp();
      out_dimensions->set_num_table_rows(static_cast<uint32_t>(dimensions->num_table_rows));
      out_dimensions->set_num_table_columns(static_cast<uint32_t>(dimensions->num_table_columns));
      out_dimensions->set_num_view_rows(static_cast<uint32_t>(dimensions->num_view_rows));
      out_dimensions->set_num_view_columns(static_cast<uint32_t>(dimensions->num_view_columns));
      break;
    }
    case Case::kViewGetConfigReq:
      *out.mutable_view_get_config_resp()->mutable_config() = view_config_to_proto(view.config());
      break;
    case Case::kViewColumnPathsReq: {
      const auto& range = message.view_column_paths_req();
      const auto paths = view.column_paths();
      const size_t end =
          range.has_end_col() ? std::min<size_t>(range.end_col(), paths.size()) : paths.size();
      auto* out_paths = out.mutable_view_column_paths_resp();
      for (size_t i = range.has_start_col() ? range.start_col() : 0; i < end; ++i) {
        out_paths->add_paths(paths[i]);
      }
      break;
    }
    case Case::kViewExpressionSchemaReq: {
      auto fields = engine_.expression_schema(entry.engine_name);
      if (request.failed(fields.status())) return;
      auto* schema = out.mutable_view_expression_schema_resp()->mutable_schema();
      for (const auto& field : *fields) (*schema)[field.name] = column_type_of(field.type);
      break;
    }
    case Case::kViewToColumnsStringReq: {
      const auto& req = message.view_to_columns_string_req();
      auto text = write(req, ViewTextFormat::kColumns);
      if (request.failed(text.status())) return;
      out.mutable_view_to_columns_string_resp()->set_json_string(std::move(text).value());
      break;
    }
    case Case::kViewToRowsStringReq: {
      const auto& req = message.view_to_rows_string_req();
      auto text = write(req, ViewTextFormat::kRows);
      if (request.failed(text.status())) return;
      out.mutable_view_to_rows_string_resp()->set_json_string(std::move(text).value());
      break;
    }
    case Case::kViewToNdjsonStringReq: {
      const auto& req = message.view_to_ndjson_string_req();
      auto text = write(req, ViewTextFormat::kNdjson);
      if (request.failed(text.status())) return;
      out.mutable_view_to_ndjson_string_resp()->set_ndjson_string(std::move(text).value());
      break;
    }
    case Case::kViewToCsvReq: {
      auto text = write_view(view, view_window_from_proto(message.view_to_csv_req().viewport()),
                             ViewTextFormat::kCsv);
      if (request.failed(text.status())) return;
      out.mutable_view_to_csv_resp()->set_csv(std::move(text).value());
      break;
    }
    case Case::kViewToArrowReq: {
      const auto& req = message.view_to_arrow_req();
      auto bytes =
          write_view_arrow(view, view_window_from_proto(req.viewport()), req.compression());
      if (request.failed(bytes.status())) return;
      out.mutable_view_to_arrow_resp()->set_arrow(std::move(bytes).value());
      break;
    }
    case Case::kViewGetMinMaxReq: {
      auto range = view.min_max(message.view_get_min_max_req().column_name());
      if (request.failed(range.status())) return;
      out.mutable_view_get_min_max_resp()->set_min(min_max_value_json(range.value().first));
      out.mutable_view_get_min_max_resp()->set_max(min_max_value_json(range.value().second));
      break;
    }
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
          auto link = client.lock();
          if (!link) return;
          Response note;
          note.set_msg_id(msg_id);
          note.set_entity_id(view_id);
          auto* resp = note.mutable_view_on_update_resp();
          resp->set_port_id(current_port_);
          resp->set_delta(frame_to_arrow(*tracked, rows));
          link->send(note.SerializeAsString());
        });
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
  if (request.failed(engine_.delete_view(entry.engine_name))) return;
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
