// The Python module's engine: one api::Engine behind a mutex, so that Python threads (which
// call in with the GIL released) can share it. Free of pybind11: module.cpp converts Python
// values to and from what this class takes and answers.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/engine.h"
#include "api/table_data.h"
#include "common/status.h"
#include "core/row_batch.h"
#include "core/schema.h"
#include "server/queue_budget.h"

namespace parallax::server {
class ProtocolHandler;
}

namespace parallax::python {

class QueuedLink;

// One on_update subscription that heard one change. Collected while the engine is locked,
// delivered to Python after it is released, so callbacks may call back into the engine.
struct Notification {
  uint64_t subscription;
  std::optional<std::string> delta;  // mode="row": the view's changed rows as Arrow
};
using Notifications = std::vector<Notification>;

// What the table methods that answer plain values (size, schema, ...) need, in one call.
struct TableInfo {
  size_t size = 0;
  std::vector<Field> schema;
  std::optional<std::string> index;
  std::optional<uint32_t> limit;
};

// One view column copied out for to_pandas: storage values, a validity byte per row and,
// for strings, the distinct strings the int32 codes point into.
struct ColumnCopy {
  std::string name;
  DataType type;
  std::vector<uint8_t> bytes;  // the values, packed as the type's storage
  std::vector<uint8_t> valid;
  std::vector<std::string> strings;
};

// Views' reads, in the reference's output formats.
enum class ReadFormat { kJsonRows, kJsonColumns, kCsv, kNdjson, kArrow };

class LockedEngine {
 public:
  // `max_total_queued_bytes`: what all this engine's web clients' queues may hold together.
  explicit LockedEngine(size_t max_total_queued_bytes = server::QueueBudget::default_max_bytes());
  ~LockedEngine();
  LockedEngine(const LockedEngine&) = delete;
  LockedEngine& operator=(const LockedEngine&) = delete;
  // Shared by the web clients' queues (QueuedLink): past it, the furthest behind are cut off.
  server::QueueBudget& web_queue_budget() { return web_queue_budget_; }

  // `known_types`: columns whose Python values fix their type where text inference would
  // guess narrower: "datetime" (JSON reads a datetime at midnight as a date) and "float"
  // (JSON reads 10.0 as an integer; a Python float is a float, as in the reference).
  Status create_table(const std::string& name, const TableData& data, TableOptions options,
                      const std::vector<std::pair<std::string, std::string>>& known_types);
  Status create_table(const std::string& name, const RowBatch& batch, TableOptions options);
  Status create_table(const std::string& name, Schema schema, TableOptions options);
  Status delete_table(const std::string& name);
  std::vector<std::string> table_names() const;
  Result<TableInfo> table_info(const std::string& name) const;

  Result<Notifications> update(const std::string& table, const TableData& data);
  Result<Notifications> update(const std::string& table, const RowBatch& batch);
  Result<Notifications> replace(const std::string& table, const TableData& data);
  Result<Notifications> replace(const std::string& table, const RowBatch& batch);
  Result<Notifications> remove(const std::string& table, const std::string& keys_json);
  Result<Notifications> clear(const std::string& table);

  Status create_view(const std::string& table, const std::string& name,
                     const std::string& config_json);
  Status delete_view(const std::string& name);
  // `lz4`: Arrow bodies compressed with LZ4_FRAME (the reference's compression="lz4").
  Result<std::string> read(const std::string& view, ReadFormat format,
                           const std::string& window_json, bool lz4 = false);
  Result<std::vector<ColumnCopy>> copy_columns(const std::string& view,
                                               const std::string& window_json);
  Result<std::vector<Field>> view_schema(const std::string& view);
  // The reference's table.validate_expressions, as its JSON answer.
  Result<std::string> validate_expressions(
      const std::string& table,
      const std::vector<std::pair<std::string, std::string>>& expressions) const;
  Result<std::vector<Field>> expression_schema(const std::string& view);
  Result<std::string> view_config_json(const std::string& view);
  Result<std::vector<std::string>> column_paths(const std::string& view);
  // view.dimensions as JSON (api/json_results), as every front end answers it.
  Result<std::string> dimensions(const std::string& view);
  Result<std::pair<Scalar, Scalar>> min_max(const std::string& view, const std::string& column);
  Result<int64_t> expand(const std::string& view, size_t row);
  Result<int64_t> collapse(const std::string& view, size_t row);
  Status set_depth(const std::string& view, size_t depth);

  Result<uint64_t> on_update(const std::string& view, bool row_deltas);
  Status remove_update(const std::string& view, uint64_t subscription);

  // Web handlers: one Perspective protocol message (protobuf bytes) from a websocket client.
  // Answers go to `client`'s queue; a message that is not a protocol Request gets a
  // TRANSPORT_ERROR answer and changes nothing. `lock`: the client may read but not create,
  // change or delete tables. Answers the Python on_update subscriptions the message fired.
  Result<Notifications> handle_request(const std::shared_ptr<QueuedLink>& client,
                                       std::string_view message, bool lock);
  // The client went away: its views and subscriptions go with it.
  void disconnect(uint64_t client_id, bool lock);

 private:
  // Runs `change` and answers the notifications it caused.
  template <typename Change>
  Result<Notifications> notifying(Change&& change);
  // Passes `change` on; when it made or deleted a table, web clients that follow the list
  // of hosted tables hear of it. Called with mutex_ held.
  Status announced(Status change);

  mutable std::mutex mutex_;
  server::QueueBudget web_queue_budget_;  // before the clients' links, which charge it
  Engine engine_;
  Notifications pending_;  // filled by the engine's callbacks while mutex_ is held
  // The protocol handlers of web clients (index 1: locked), made on first use; declared
  // after engine_ so that they go first.
  std::unique_ptr<server::ProtocolHandler> handlers_[2];
};

}  // namespace parallax::python
