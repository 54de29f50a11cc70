// The protocol's table requests: make, schema, size, validate expressions, ports, update,
// replace, remove, delete and the on-delete subscriptions.
#include <string>
#include <vector>

#include "api/view_output.h"
#include "server/protocol_convert.h"
#include "server/protocol_handler.h"
#include "server/protocol_request.h"

namespace parallax::server {

using proto::Response;

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
      if (lanes_ && engine_.is_virtual(name)) {
        virtual_table_size(request);  // a count(*) in the database, on its workers
        return;
      }
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
    if (found->second.slot) {
      // (Its rows would be read on the view's lane, then the table made here: not done yet.)
      request.fail(Status::unsupported(
          "a table cannot be made from view '{}' of a virtual table: make it from a query "
          "in the database",
          data.from_view()));
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

uint32_t ProtocolHandler::next_port(const std::string& table) {
  return ++ports_[table];
}

}  // namespace parallax::server
