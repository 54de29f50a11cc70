// A table fed by a live source (a broker, a database, another table): messages are queued as
// they come, and at most once per real_time_limit everything queued is decoded, joined and
// applied as one update (one change set, so one notification per view). A message that does
// not parse or fit the table's columns is left out whole, counted and shown in the status
// table. Transforms run once per window, on the window's rows or on every row so far; a window
// that takes longer than the limit conflates the windows behind it instead of queueing them.
// Memory is bounded: past max_queued_mb of messages not yet applied, broker sources stop
// reading until the table catches up.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/engine.h"
#include "core/schema.h"
#include "core/table.h"
#include "pipeline/checkpoint_log.h"
#include "pipeline/pipeline_config.h"
#include "pipeline/status_table.h"
#include "pipeline/table_runner.h"
#include "sources/source.h"

namespace parallax {

// Runs a task on the thread that owns the engine (the server's engine thread).
using PostToEngine = std::function<void(std::function<void(Engine&)>)>;

class LiveTable : public SourceSink {
 public:
  // `log`: where a checkpointed source's applied windows are saved (none: not saved).
  LiveTable(const TableSpec& spec, std::shared_ptr<TableHealth> health, std::string status_table,
            PostToEngine post, std::shared_ptr<CheckpointLog> log = nullptr);
  ~LiveTable() override;

  void start();
  void stop();  // the source first, then the window thread

  void deliver(SourceMessage message) override;
  void set_state(const std::string& state, const std::string& detail) override;
  void report_error(const std::string& message) override;
  bool has_room() override;

  // Columns a message may give a table that has none yet (as `serve --table-columns`): a
  // one-row update of 100,000 columns holds the engine for minutes.
  static constexpr size_t kMaxColumns = 4096;

 private:
  void run();
  void process(std::vector<SourceMessage> window, int64_t conflated);
  // A table feed's source table, copied on the engine's thread (an error when stopping).
  Result<RowBatch> copy_of_source_table();
  // The rows of one message typed as the table's source columns, or why not.
  Result<RowBatch> rows_of(SourceMessage& message);
  // Updates the health on the engine's thread and writes the status row.
  void post_health(std::function<void(TableHealth&)> change);

  TableSpec spec_;
  std::shared_ptr<TableHealth> health_;
  std::string status_table_;
  PostToEngine post_;
  std::shared_ptr<const TableSpec> shared_spec_;  // for tasks that may outlive this
  std::shared_ptr<CheckpointLog> log_;            // written on the engine's thread
  std::unique_ptr<Source> source_;
  TableRunner transforms_;
  std::optional<Schema> schema_;   // the source's columns, from its first good message
  std::unique_ptr<Table> shadow_;  // transform_input: table, every row so far

  // Bytes of messages received and not yet applied or rejected; released by the engine tasks
  // that apply them, which may outlive this.
  std::shared_ptr<std::atomic<size_t>> backlog_ = std::make_shared<std::atomic<size_t>>(0);
  std::atomic<bool> paused_{false};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<SourceMessage> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parallax
