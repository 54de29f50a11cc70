#include "server/protocol_handler.h"

#include <sys/resource.h>

#include <unistd.h>
#include <algorithm>
#include <fstream>

#include "api/view_arrow.h"
#include "api/view_output.h"
#include "server/features.h"
#include "server/protocol_convert.h"

namespace parallax::server {

namespace {

using proto::Response;

// Resident and virtual memory of this process, and its CPU time, for server_system_info.
void fill_system_info(proto::ServerSystemInfoResp& info) {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  info.set_heap_size(pages_total * page);
  info.set_used_size(pages_resident * page);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const uint64_t cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000ull +
                          (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
  info.set_cpu_time(static_cast<uint32_t>(cpu_ms));
  info.set_cpu_time_epoch(static_cast<uint32_t>(time(nullptr)));
}

// Answers how many it erased.
template <typename Subscribers>
size_t erase_subscriber(Subscribers& subscribers, uint64_t client_id, uint32_t msg_id) {
  return std::erase_if(
      subscribers, [&](const auto& s) { return s.client_id == client_id && s.msg_id == msg_id; });
}

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

// One request being answered: the message, its client, and how to reply.
class ProtocolHandler::Request {
 public:
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
};

ProtocolHandler::ProtocolHandler(Engine& engine, HandlerOptions options)
    : engine_(engine), options_(options), features_(probe_engine_features()) {}

void ProtocolHandler::handle(const std::shared_ptr<ClientLink>& client,
                             const proto::Request& message) {
  auto& state = clients_[client->client_id()];
  if (state.link.expired()) state.link = client;
  Request request(client, message);
  dispatch(request);
}

void ProtocolHandler::dispatch(Request& request) {
  const proto::Request& message = request.message;
  using Case = proto::Request::ClientReqCase;
  switch (message.client_req_case()) {
    case Case::kGetFeaturesReq: {
      Response out = request.response();
      *out.mutable_get_features_resp() = features_;
      request.reply(out);
      return;
    }
    case Case::kGetHostedTablesReq: {
      if (message.get_hosted_tables_req().subscribe()) {
        if (!add_subscription(request)) return;
        hosted_table_subscribers_.push_back(
            {request.client, request.client->client_id(), message.msg_id()});
        return;  // answered on each change of the list, under this msg_id
      }
      Response out = request.response();
      auto* tables = out.mutable_get_hosted_tables_resp();
      for (const auto& name : engine_.table_names()) {
        auto table = engine_.table(name);
        if (!table.is_ok()) continue;
        auto* info = tables->add_table_infos();
        info->set_entity_id(name);
        const TableOptions& options = table.value()->options();
        if (options.index) info->set_index(*options.index);
        if (options.limit) info->set_limit(*options.limit);
      }
      request.reply(out);
      return;
    }
    case Case::kRemoveHostedTablesUpdateReq:
      remove_subscriptions(request.client->client_id(),
                           erase_subscriber(hosted_table_subscribers_, request.client->client_id(),
                                            message.remove_hosted_tables_update_req().id()));
      {
        Response out = request.response();
        out.mutable_remove_hosted_tables_update_resp();
        request.reply(out);
      }
      return;
    case Case::kServerSystemInfoReq: {
      Response out = request.response();
      fill_system_info(*out.mutable_server_system_info_resp());
      request.reply(out);
      return;
    }
    case Case::kMakeTableReq:
      make_table(request);
      return;
    case Case::kTableMakePortReq:
    case Case::kTableMakeViewReq:
    case Case::kTableSchemaReq:
    case Case::kTableSizeReq:
    case Case::kTableValidateExprReq:
    case Case::kTableDeleteReq:
    case Case::kTableOnDeleteReq:
    case Case::kTableRemoveDeleteReq:
    case Case::kTableRemoveReq:
    case Case::kTableReplaceReq:
    case Case::kTableUpdateReq:
      handle_table_request(request);
      return;
    case Case::CLIENT_REQ_NOT_SET:
      request.fail(Status::invalid("the request names no operation"));
      return;
    default:
      handle_view_request(request);
      return;
  }
}

void ProtocolHandler::handle_table_request(Request& request) {
  const proto::Request& message = request.message;
  const std::string& name = message.entity_id();
  auto table = engine_.table(name);
  if (!table.is_ok()) {
    request.fail(table.status());
    return;
  }
  using Case = proto::Request::ClientReqCase;
  const Case kind = message.client_req_case();
  const bool changes_table = kind == Case::kTableDeleteReq || kind == Case::kTableRemoveReq ||
                             kind == Case::kTableReplaceReq || kind == Case::kTableUpdateReq;
  if (changes_table && options_.lock) {
    request.fail(Status::invalid("table '{}' is read-only: this server runs with --lock", name));
    return;
  }
  Response out = request.response();
  switch (kind) {
    case Case::kTableMakePortReq: {
      size_t& ports = clients_[request.client->client_id()].ports;
      if (ports >= options_.limits.ports) {
        request.fail(
            client_limit_reached(options_.limits.ports, "ports per client", "--client-ports"));
        return;
      }
      ++ports;
      out.mutable_table_make_port_resp()->set_port_id(next_port(name));
      break;
    }
    case Case::kTableMakeViewReq:
      make_view(request);
      return;
    case Case::kTableSchemaReq: {
      auto* schema = out.mutable_table_schema_resp()->mutable_schema();
      for (const auto& field : table.value()->schema().fields()) {
        auto* pair = schema->add_schema();
        pair->set_name(field.name);
        pair->set_type(column_type_of(field.type));
      }
      break;
    }
    case Case::kTableSizeReq: {
      auto size = engine_.table_size(name);
      if (request.failed(size.status())) return;
      out.mutable_table_size_resp()->set_size(static_cast<uint32_t>(size.value()));
      break;
    }
    case Case::kTableValidateExprReq: {
      auto* result = out.mutable_table_validate_expr_resp();
      const auto& expressions = message.table_validate_expr_req().column_to_expr();
      if (static_cast<size_t>(expressions.size()) > options_.limits.expressions) {
        request.fail(client_limit_reached(options_.limits.expressions, "expressions per request",
                                          "--view-expressions"));
        return;
      }
      auto validation = engine_.validate_expressions(
          name,
          std::vector<std::pair<std::string, std::string>>(expressions.begin(), expressions.end()));
      if (request.failed(validation.status())) return;
      for (const auto& [alias, text] : validation->aliases) {
        (*result->mutable_expression_alias())[alias] = text;
      }
      for (const auto& field : validation->schema) {
        (*result->mutable_expression_schema())[field.name] = column_type_of(field.type);
      }
      for (const auto& error : validation->errors) {
        auto& out_error = (*result->mutable_errors())[error.name];
        out_error.set_error_message(error.message);
        out_error.set_line(error.line);
        out_error.set_column(error.column);
      }
      break;
    }
    case Case::kTableDeleteReq:
      delete_table(request);
      return;
    case Case::kTableOnDeleteReq:
      if (!add_subscription(request)) return;
      table_delete_subscribers_[name].push_back(
          {request.client, request.client->client_id(), message.msg_id()});
      return;  // answered when the table is deleted
    case Case::kTableRemoveDeleteReq:
      remove_subscriptions(
          request.client->client_id(),
          erase_subscriber(table_delete_subscribers_[name], request.client->client_id(),
                           message.table_remove_delete_req().id()));
      out.mutable_table_remove_delete_resp();
      break;
    case Case::kTableRemoveReq: {
      // The keys to remove travel as a JSON list, whichever field carries them.
      const auto& data = message.table_remove_req().data();
      const std::string& keys = data.has_from_rows() ? data.from_rows() : data.from_cols();
      if (request.failed(engine_.remove(name, keys))) return;
      out.mutable_table_remove_resp();
      break;
    }
    case Case::kTableReplaceReq: {
      auto data = table_data_from_proto(message.table_replace_req().data());
      if (request.failed(data.status()) || request.failed(engine_.replace(name, data.value()))) {
        return;
      }
      out.mutable_table_replace_resp();
      break;
    }
    case Case::kTableUpdateReq: {
      const auto& update = message.table_update_req();
      auto data = table_data_from_proto(update.data());
      if (request.failed(data.status())) return;
      current_port_ = update.port_id();
      const Status status = engine_.update(name, data.value());
      current_port_ = 0;
      if (request.failed(status)) return;
      out.mutable_table_update_resp();
      break;
    }
    default:
      return;
  }
  request.reply(out);
}

void ProtocolHandler::make_table(Request& request) {
  const proto::Request& message = request.message;
  if (options_.lock) {
    request.fail(Status::invalid("clients cannot create tables: this server runs with --lock"));
    return;
  }
  const std::string& name = message.entity_id();
  const auto& make = message.make_table_req();
  ClientState& maker = clients_[request.client->client_id()];
  std::erase_if(maker.tables,
                [&](const std::string& made) { return !engine_.table(made).is_ok(); });
  if (maker.tables.size() >= options_.limits.tables) {
    request.fail(
        client_limit_reached(options_.limits.tables, "tables per client", "--client-tables"));
    return;
  }
  TableOptions options;
  options.name = name;
  if (make.has_options()) {
    if (make.options().has_make_index_table()) options.index = make.options().make_index_table();
    if (make.options().has_make_limit_table()) options.limit = make.options().make_limit_table();
  }
  Status made;
  const auto& data = make.data();
  if (data.has_from_schema()) {
    auto schema = schema_from_proto(data.from_schema());
    made = schema.is_ok() ? engine_.create_table(name, std::move(schema).value(), options)
                          : schema.status();
  } else if (data.has_from_view()) {
    // A copy of a view's current rows, typed as the view's columns.
    auto& views = clients_[request.client->client_id()].views;
    auto found = views.find(data.from_view());
    if (found == views.end()) {
      request.fail(Status::not_found("no view named '{}'", data.from_view()),
                   proto::StatusCode::VIEW_NOT_FOUND);
      return;
    }
    const View* view = engine_.view(found->second.engine_name).value();
    Schema schema;
    for (const auto& field : view->schema()) schema.add(field);
    auto rows = write_view(*view, ViewWindow{}, ViewTextFormat::kColumns);
    made = engine_.create_table(name, std::move(schema), options);
    if (made.is_ok()) {
      made = engine_.update(name, TableData{rows.value(), DataFormat::kColumns});
      if (!made.is_ok()) (void)engine_.delete_table(name);
    }
  } else {
    auto text = table_data_from_proto(data);
    made = text.is_ok() ? engine_.create_table(name, text.value(), options) : text.status();
  }
  if (made.is_ok() &&
      engine_.table(name).value()->schema().size() > options_.limits.table_columns) {
    (void)engine_.delete_table(name);  // before anyone could see it: no one is told
    made =
        client_limit_reached(options_.limits.table_columns, "columns per table", "--table-columns");
  }
  if (request.failed(made)) return;
  maker.tables.insert(name);
  Response out = request.response();
  out.mutable_make_table_resp();
  request.reply(out);
  notify_hosted_tables();
}

void ProtocolHandler::delete_table(Request& request) {
  const std::string& name = request.message.entity_id();
  if (request.failed(engine_.delete_table(name))) return;
  Response out = request.response();
  out.mutable_table_delete_resp();
  request.reply(out);
  table_deleted(name);
  notify_hosted_tables();
}

void ProtocolHandler::table_deleted(const std::string& name) {
  ports_.erase(name);
  auto subscribers = std::move(table_delete_subscribers_[name]);
  table_delete_subscribers_.erase(name);
  for (const auto& subscriber : subscribers) {
    remove_subscriptions(subscriber.client_id, 1);
    auto client = subscriber.client.lock();
    if (!client) continue;
    Response note;
    note.set_msg_id(subscriber.msg_id);
    note.set_entity_id(name);
    note.mutable_table_on_delete_resp();
    client->send(note.SerializeAsString());
  }
}

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
  if (request.failed(
          engine_.create_view(message.entity_id(), engine_name, std::move(config).value()))) {
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
    auto found = engine_.view(view.engine_name);
    if (request.failed(found.status())) return;
    // The view starts tracking its changed rows now, from the state the client last saw.
    const View* tracked = found.value();
    if (request.failed(engine_.track_changes(view.engine_name))) return;
    subscribed = engine_.on_update(
        view.engine_name, [this, client, msg_id, view_id, tracked](const ViewUpdate& update) {
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

bool ProtocolHandler::add_subscription(Request& request) {
  size_t& held = clients_[request.client->client_id()].subscriptions;
  if (held >= options_.limits.subscriptions) {
    request.fail(client_limit_reached(options_.limits.subscriptions, "subscriptions per client",
                                      "--client-subscriptions"));
    return false;
  }
  ++held;
  return true;
}

void ProtocolHandler::remove_subscriptions(uint64_t client_id, size_t count) {
  auto found = clients_.find(client_id);
  if (found != clients_.end())
    found->second.subscriptions -= std::min(count, found->second.subscriptions);
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

void ProtocolHandler::disconnect(uint64_t client_id) {
  auto found = clients_.find(client_id);
  if (found != clients_.end()) {
    for (const auto& [view_id, entry] : found->second.views) {
      (void)engine_.delete_view(entry.engine_name);
    }
    clients_.erase(found);
  }
  std::erase_if(hosted_table_subscribers_,
                [&](const Subscriber& s) { return s.client_id == client_id; });
  for (auto& [table, subscribers] : table_delete_subscribers_) {
    std::erase_if(subscribers, [&](const Subscriber& s) { return s.client_id == client_id; });
  }
}

void ProtocolHandler::notify_hosted_tables() {
  for (const auto& subscriber : hosted_table_subscribers_) {
    auto client = subscriber.client.lock();
    if (!client) continue;
    // The reference sends an empty response under the subscription's msg_id; the client
    // then asks for the list again.
    Response note;
    note.set_msg_id(subscriber.msg_id);
    client->send(note.SerializeAsString());
  }
}

uint32_t ProtocolHandler::next_port(const std::string& table) {
  return ++ports_[table];
}

}  // namespace parallax::server
