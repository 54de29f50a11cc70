#include "binding/locked_engine.h"

#include <cstring>

#include <absl/container/flat_hash_map.h>

#include "api/json_results.h"
#include "api/view_arrow.h"
#include "api/view_config_json.h"
#include "api/view_output.h"
#include "binding/queued_link.h"
#include "formats/json_writer.h"
#include "server/protocol_handler.h"

namespace parallax::python {

namespace {

Result<ViewWindow> window_of(const std::string& window_json) {
  if (window_json.empty()) return ViewWindow{};
  return view_window_from_json(window_json);
}

// The storage values and validity of `column` at `rows`, in that order.
ColumnCopy copy_column(const FrameColumn& source, const std::vector<uint32_t>& rows) {
  const Column& column = *source.column;
  ColumnCopy copy{source.name, column.type(), {}, std::vector<uint8_t>(rows.size()), {}};
  for (size_t i = 0; i < rows.size(); ++i) copy.valid[i] = column.is_valid(rows[i]);
  if (column.type() == DataType::kString) {
    // Codes local to this copy, numbered in order of first use.
    absl::flat_hash_map<uint32_t, int32_t> local;
    std::vector<int32_t> codes(rows.size(), -1);
    const auto& values = column.values<uint32_t>();
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!copy.valid[i]) continue;
      auto [found, added] = local.try_emplace(values[rows[i]], int32_t(copy.strings.size()));
      if (added) copy.strings.emplace_back(column.dictionary().at(values[rows[i]]));
      codes[i] = found->second;
    }
    copy.bytes.resize(codes.size() * sizeof(int32_t));
    std::memcpy(copy.bytes.data(), codes.data(), copy.bytes.size());
    return copy;
  }
  visit_type(column.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    const auto& values = column.values<Storage>();
    copy.bytes.resize(rows.size() * sizeof(Storage));
    auto* out = reinterpret_cast<Storage*>(copy.bytes.data());
    for (size_t i = 0; i < rows.size(); ++i) out[i] = copy.valid[i] ? values[rows[i]] : Storage{};
  });
  return copy;
}

}  // namespace

LockedEngine::LockedEngine(size_t max_total_queued_bytes)
    : web_queue_budget_(max_total_queued_bytes, "parallax.Server(max_total_queued_bytes)") {}
LockedEngine::~LockedEngine() = default;

template <typename Change>
Result<Notifications> LockedEngine::notifying(Change&& change) {
  std::lock_guard lock(mutex_);
  pending_.clear();
  Status status = change();
  Notifications notifications = std::move(pending_);
  pending_.clear();
  if (!status.is_ok()) return status;
  return notifications;
}

Status LockedEngine::announced(Status change) {
  if (change.is_ok()) {
    for (auto& handler : handlers_) {
      if (handler) handler->tables_changed();
    }
  }
  return change;
}

Status LockedEngine::create_table(
    const std::string& name, const TableData& data, TableOptions options,
    const std::vector<std::pair<std::string, std::string>>& known_types) {
  if (known_types.empty()) {
    std::lock_guard lock(mutex_);
    return announced(engine_.create_table(name, data, std::move(options)));
  }
  // Infer, then read again with the known columns widened: date -> datetime, integer -> float.
  PX_ASSIGN_OR_RETURN(RowBatch inferred, read_table_data(data, nullptr));
  Schema schema;
  for (const auto& column : inferred.columns) {
    DataType type = column.values.type();
    for (const auto& [known, known_type] : known_types) {
      if (known != column.name) continue;
      if (known_type == "datetime" && type == DataType::kDate) type = DataType::kDatetime;
      if (known_type == "float" && type == DataType::kInteger) type = DataType::kFloat;
    }
    schema.add({column.name, type});
  }
  PX_ASSIGN_OR_RETURN(RowBatch batch, read_table_data(data, &schema));
  std::lock_guard lock(mutex_);
  return announced(engine_.create_table(name, batch, std::move(options)));
}

Status LockedEngine::create_table(const std::string& name, const RowBatch& batch,
                                  TableOptions options) {
  std::lock_guard lock(mutex_);
  return announced(engine_.create_table(name, batch, std::move(options)));
}

Status LockedEngine::create_table(const std::string& name, Schema schema, TableOptions options) {
  std::lock_guard lock(mutex_);
  return announced(engine_.create_table(name, std::move(schema), std::move(options)));
}

Status LockedEngine::delete_table(const std::string& name) {
  std::lock_guard lock(mutex_);
  Status deleted = engine_.delete_table(name);
  if (deleted.is_ok()) {
    // Web clients that follow this table's deletion hear of it as of a client's delete.
    for (auto& handler : handlers_) {
      if (handler) handler->table_deleted(name);
    }
  }
  return announced(std::move(deleted));
}

std::vector<std::string> LockedEngine::table_names() const {
  std::lock_guard lock(mutex_);
  return engine_.table_names();
}

Result<TableInfo> LockedEngine::table_info(const std::string& name) const {
  std::lock_guard lock(mutex_);
  PX_ASSIGN_OR_RETURN(const Table* table, engine_.table(name));
  return TableInfo{table->num_rows(), table->schema().fields(), table->options().index,
                   table->options().limit};
}

Result<Notifications> LockedEngine::update(const std::string& table, const TableData& data) {
  return notifying([&] { return engine_.update(table, data); });
}

Result<Notifications> LockedEngine::update(const std::string& table, const RowBatch& batch) {
  return notifying([&] { return engine_.update(table, batch); });
}

Result<Notifications> LockedEngine::replace(const std::string& table, const TableData& data) {
  return notifying([&] { return engine_.replace(table, data); });
}

Result<Notifications> LockedEngine::replace(const std::string& table, const RowBatch& batch) {
  return notifying([&] { return engine_.replace(table, batch); });
}

Result<Notifications> LockedEngine::remove(const std::string& table, const std::string& keys_json) {
  return notifying([&] { return engine_.remove(table, keys_json); });
}

Result<Notifications> LockedEngine::clear(const std::string& table) {
  return notifying([&] { return engine_.clear(table); });
}

Status LockedEngine::create_view(const std::string& table, const std::string& name,
                                 const std::string& config_json) {
  PX_ASSIGN_OR_RETURN(ViewConfig config, view_config_from_json(config_json));
  std::lock_guard lock(mutex_);
  return engine_.create_view(table, name, std::move(config));
}

Status LockedEngine::delete_view(const std::string& name) {
  std::lock_guard lock(mutex_);
  return engine_.delete_view(name);
}

Result<std::string> LockedEngine::read(const std::string& name, ReadFormat format,
                                       const std::string& window_json, bool lz4) {
  PX_ASSIGN_OR_RETURN(ViewWindow window, window_of(window_json));
  std::lock_guard lock(mutex_);
  PX_ASSIGN_OR_RETURN(const View* view, engine_.view(name));
  // Every front end writes views through api/view_output; floats as serde writes them (1.0,
  // not 1), as the reference's Python API: a float cell reads back as a Python float.
  constexpr NumberStyle kFloats = NumberStyle::kSerde;
  switch (format) {
    case ReadFormat::kJsonRows:
      return write_view(*view, window, ViewTextFormat::kRows, kFloats);
    case ReadFormat::kJsonColumns:
      return write_view(*view, window, ViewTextFormat::kColumns, kFloats);
    case ReadFormat::kCsv:
      return write_view(*view, window, ViewTextFormat::kCsv, kFloats);
    case ReadFormat::kNdjson:
      return write_view(*view, window, ViewTextFormat::kNdjson, kFloats);
    case ReadFormat::kArrow:
      return write_view_arrow(*view, window, lz4 ? "lz4" : "");
  }
  return Status::invalid("unknown output format");
}

Result<std::vector<ColumnCopy>> LockedEngine::copy_columns(const std::string& name,
                                                           const std::string& window_json) {
  PX_ASSIGN_OR_RETURN(ViewWindow window, window_of(window_json));
  std::lock_guard lock(mutex_);
  PX_ASSIGN_OR_RETURN(const View* view, engine_.view(name));
  const Frame frame = view->read(window, KeyColumns::kNone);
  std::vector<ColumnCopy> copies;
  for (const auto& column : frame.columns) {
    if (column.wrap_in_list) continue;  // row paths and keys are lists, not cells
    copies.push_back(copy_column(column, frame.rows));
  }
  return copies;
}

Result<std::vector<Field>> LockedEngine::view_schema(const std::string& name) {
  std::lock_guard lock(mutex_);
  PX_ASSIGN_OR_RETURN(const View* view, engine_.view(name));
  return view->schema();
}

Result<std::string> LockedEngine::validate_expressions(
    const std::string& table,
    const std::vector<std::pair<std::string, std::string>>& expressions) const {
  std::lock_guard lock(mutex_);
  PX_ASSIGN_OR_RETURN(ExpressionValidation validation,
                      engine_.validate_expressions(table, expressions));
  return expression_validation_json(validation);
}

Result<std::vector<Field>> LockedEngine::expression_schema(const std::string& view) {
  std::lock_guard lock(mutex_);
  return engine_.expression_schema(view);
}

Result<std::string> LockedEngine::view_config_json(const std::string& name) {
  std::lock_guard lock(mutex_);
  PX_ASSIGN_OR_RETURN(const View* view, engine_.view(name));
  return config_json(view->config());
}

Result<std::vector<std::string>> LockedEngine::column_paths(const std::string& name) {
  std::lock_guard lock(mutex_);
  PX_ASSIGN_OR_RETURN(const View* view, engine_.view(name));
  return view->column_paths();
}

Result<std::string> LockedEngine::dimensions(const std::string& name) {
  std::lock_guard lock(mutex_);
  PX_ASSIGN_OR_RETURN(ViewDimensions dimensions, engine_.dimensions(name));
  return dimensions_json(dimensions);
}

Result<std::pair<Scalar, Scalar>> LockedEngine::min_max(const std::string& name,
                                                        const std::string& column) {
  std::lock_guard lock(mutex_);
  PX_ASSIGN_OR_RETURN(const View* view, engine_.view(name));
  return view->min_max(column);
}

Result<int64_t> LockedEngine::expand(const std::string& view, size_t row) {
  std::lock_guard lock(mutex_);
  return engine_.expand(view, row);
}

Status LockedEngine::set_depth(const std::string& view, size_t depth) {
  std::lock_guard lock(mutex_);
  return engine_.set_depth(view, depth);
}

Result<int64_t> LockedEngine::collapse(const std::string& view, size_t row) {
  std::lock_guard lock(mutex_);
  return engine_.collapse(view, row);
}

Result<uint64_t> LockedEngine::on_update(const std::string& view, bool row_deltas) {
  std::lock_guard lock(mutex_);
  // The id is known only once the engine answers; the callback reads it from here.
  auto id = std::make_shared<uint64_t>(0);
  // on_update(mode="row") delivers the view's rows each change added or updated, as Arrow (as
  // the server's ROW mode): the view tracks them from now on.
  const View* tracked = nullptr;
  if (row_deltas) {
    PX_ASSIGN_OR_RETURN(tracked, engine_.view(view));
    PX_RETURN_IF_ERROR(engine_.track_changes(view));
  }
  PX_ASSIGN_OR_RETURN(uint64_t subscription,
                      engine_.on_update(view, [this, id, tracked](const ViewUpdate& update) {
                        std::optional<std::string> delta;
                        if (tracked != nullptr)
                          delta = frame_to_arrow(*tracked, tracked->read_changed(update.changes));
                        pending_.push_back({*id, std::move(delta)});
                      }));
  *id = subscription;
  return subscription;
}

Status LockedEngine::remove_update(const std::string& view, uint64_t subscription) {
  std::lock_guard lock(mutex_);
  return engine_.remove_update(view, subscription);
}

Result<Notifications> LockedEngine::handle_request(const std::shared_ptr<QueuedLink>& client,
                                                   std::string_view message, bool lock) {
  ::perspective::proto::Request request;
  if (!request.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
    // As `parallax serve` answers: say so, and keep serving this client.
    ::perspective::proto::Response out;
    out.mutable_server_error()->set_message(
        "malformed message: not a Perspective protocol Request (protobuf)");
    out.mutable_server_error()->set_status_code(::perspective::proto::StatusCode::TRANSPORT_ERROR);
    client->send(out.SerializeAsString());
    return Notifications{};
  }
  return notifying([&] {
    auto& handler = handlers_[lock ? 1 : 0];
    if (!handler) {
      handler = std::make_unique<server::ProtocolHandler>(engine_, server::HandlerOptions{lock});
    }
    std::shared_ptr<server::ClientLink> link = client;
    handler->handle(link, request);
    // The other handler's clients follow the same list of tables (a spurious
    // announcement, when the request failed, only makes them ask for the list again).
    using Case = ::perspective::proto::Request::ClientReqCase;
    const auto kind = request.client_req_case();
    auto& other = handlers_[lock ? 0 : 1];
    if (other && (kind == Case::kMakeTableReq || kind == Case::kTableDeleteReq)) {
      other->tables_changed();
    }
    return Status::ok();
  });
}

void LockedEngine::disconnect(uint64_t client_id, bool lock) {
  std::lock_guard guard(mutex_);
  if (auto& handler = handlers_[lock ? 1 : 0]) handler->disconnect(client_id);
}

}  // namespace parallax::python
