#include "pipeline/live_table.h"

#include <cstdio>
#include <future>

#include "formats/decode_limits.h"
#include "pipeline/table_apply.h"
#include "pipeline/table_feed.h"
#include "sources/amqp_source.h"
#include "sources/message_format.h"
#include "sources/mqtt_source.h"
#include "sources/postgres_source.h"
#include "sources/row_batches.h"

namespace parallax {

namespace {

using Clock = std::chrono::steady_clock;

// A message quoted in logs: its start, on one line.
std::string excerpt(std::string_view bytes) {
  std::string out(bytes.substr(0, 80));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return bytes.size() > 80 ? out + "..." : out;
}

std::unique_ptr<Source> make_source(const TableSpec& spec, const PostToEngine& post) {
  if (spec.mqtt) return std::make_unique<MqttSource>(*spec.mqtt);
  if (spec.amqp) return std::make_unique<AmqpSource>(*spec.amqp);
  if (spec.postgres) return std::make_unique<PostgresSource>(*spec.postgres);
  // Transforms of the whole source table need only to hear that it changed.
  const bool markers = spec.transform_input == TransformInput::kTable && !spec.transforms.empty();
  return std::make_unique<TableFeed>(spec.feed_table, post, markers);
}

// After a window was applied: its rows and the checkpoint after them go to the log, so a
// restart resumes there. A log grown past its last compaction by more than 16 MB (or that
// could not be appended to) is rewritten as the table's rows.
void save_window(Engine& engine, const TableSpec& spec, CheckpointLog& log,
                 const std::string& checkpoint, const RowBatch& rows, TableMode mode,
                 TableHealth& health) {
  Status saved = Status::ok();
  if (rows.num_rows > 0 || mode == TableMode::kReplace)
    saved = log.append(checkpoint, rows, mode == TableMode::kReplace);
  if (!saved.is_ok() || log.appended_bytes() > log.base_bytes() + (uint64_t{16} << 20)) {
    if (auto table = engine.table(spec.name); table.is_ok())
      saved = log.rewrite(checkpoint, all_table_rows(*table.value()));
  }
  if (!saved.is_ok()) {
    health.last_error = "the checkpoint was not saved: " + saved.message();
    std::fprintf(stderr, "parallax pipeline: table '%s': %s\n", spec.name.c_str(),
                 health.last_error.c_str());
  }
}

}  // namespace

LiveTable::LiveTable(const TableSpec& spec, std::shared_ptr<TableHealth> health,
                     std::string status_table, PostToEngine post,
                     std::shared_ptr<CheckpointLog> log)
    : spec_(spec),
      health_(std::move(health)),
      status_table_(std::move(status_table)),
      post_(std::move(post)),
      shared_spec_(std::make_shared<const TableSpec>(spec)),
      log_(std::move(log)),
      source_(make_source(spec_, post_)),
      transforms_(spec),
      // `schema` is the table's: with transforms, the messages' types are their own.
      schema_(spec.transforms.empty() ? spec.schema : std::nullopt) {}

LiveTable::~LiveTable() {
  stop();
}

void LiveTable::start() {
  thread_ = std::thread([this] { run(); });
  source_->start(*this);
}

void LiveTable::stop() {
  source_->stop();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LiveTable::deliver(SourceMessage message) {
  *backlog_ += message.bytes.size();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(std::move(message));
  }
  wake_.notify_all();
}

void LiveTable::post_health(std::function<void(TableHealth&)> change) {
  post_(
      [health = health_, status_table = status_table_, change = std::move(change)](Engine& engine) {
        change(*health);
        log_status(engine, status_table, *health);
      });
}

void LiveTable::set_state(const std::string& state, const std::string& detail) {
  if (!detail.empty()) {
    std::fprintf(stderr, "parallax pipeline: table '%s': %s: %s\n", spec_.name.c_str(),
                 state.c_str(), detail.c_str());
  } else if (state == "ok") {
    std::fprintf(stderr, "parallax pipeline: table '%s': source connected\n", spec_.name.c_str());
  }
  post_health([state, detail](TableHealth& health) {
    health.state = state;
    if (!detail.empty()) health.last_error = detail;
  });
}

void LiveTable::report_error(const std::string& message) {
  std::fprintf(stderr, "parallax pipeline: table '%s': %s\n", spec_.name.c_str(), message.c_str());
  post_health([message](TableHealth& health) {
    ++health.failures;
    health.last_error = message;
  });
}

bool LiveTable::has_room() {
  if (*backlog_ <= spec_.max_queued_bytes) {
    paused_ = false;
    return true;
  }
  if (!paused_.exchange(true)) {
    std::fprintf(stderr,
                 "parallax pipeline: table '%s': source paused: more than %zu MB received and "
                 "not yet applied (max_queued_mb); the broker keeps the rest\n",
                 spec_.name.c_str(), spec_.max_queued_bytes >> 20);
  }
  return false;
}

void LiveTable::run() {
  const auto window = spec_.real_time_limit;
  std::optional<Clock::time_point> last_apply;
  int64_t conflated = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (stopping_) break;
    // At most one update per window: what arrives before the window ends waits for it.
    if (last_apply && window.count() > 0) {
      wake_.wait_until(lock, *last_apply + window, [this] { return stopping_; });
      if (stopping_) break;
    }
    std::vector<SourceMessage> taken = std::move(pending_);
    pending_.clear();
    lock.unlock();
    const auto began = Clock::now();
    last_apply = began;
    process(std::move(taken), conflated);
    // Windows that ended while this one was being processed are merged into the next.
    conflated = window.count() > 0 ? (Clock::now() - began) / window : 0;
    lock.lock();
  }
}

Result<RowBatch> LiveTable::rows_of(SourceMessage& message) {
  const Schema* schema = schema_ ? &*schema_ : nullptr;
  if (!message.rows) {
    auto rows =
        decode_message(message.bytes, spec_.message_format, schema, spec_.max_decoded_bytes);
    if (!rows.is_ok()) {
      if (is_decoded_size_exceeded(rows.status()))
        return Status::invalid("{} (max_decoded_mb)", rows.status().message());
      return rows.status();
    }
    message.rows = std::move(rows).value();
    if (schema == nullptr && message.rows->columns.size() > kMaxColumns) {
      return Status::invalid("the message has {} columns; a live table takes at most {}",
                             message.rows->columns.size(), kMaxColumns);
    }
  } else if (schema != nullptr) {
    for (const auto& column : message.rows->columns) {
      const auto position = schema->find(column.name);
      if (!position || schema->field(*position).type != column.values.type()) {
        return Status::invalid("column '{}' ({}) is not one of the table's", column.name,
                               type_name(column.values.type()));
      }
    }
  }
  if (spec_.mode == TableMode::kUpsert && !spec_.transforms.size() &&
      message.rows->find(*spec_.index) == nullptr) {
    return Status::invalid("the rows have no '{}' (the index to upsert by)", *spec_.index);
  }
  return std::move(*message.rows);
}

Result<RowBatch> LiveTable::copy_of_source_table() {
  auto copied = std::make_shared<std::promise<Result<RowBatch>>>();
  std::future<Result<RowBatch>> copy = copied->get_future();
  post_([copied, name = spec_.feed_table](Engine& engine) {
    const auto table = engine.table(name);
    copied->set_value(table.is_ok() ? Result<RowBatch>(all_table_rows(*table.value()))
                                    : Result<RowBatch>(table.status()));
  });
  while (copy.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return Status::invalid("stopping");
  }
  return copy.get();
}

void LiveTable::process(std::vector<SourceMessage> window, int64_t conflated) {
  const auto began = Clock::now();
  size_t window_bytes = 0;  // released once the window was applied
  for (const auto& message : window) window_bytes += message.bytes.size();
  std::vector<RowBatch> batches;
  std::vector<std::function<void(bool)>> settles;
  std::optional<std::string> checkpoint;  // the source's, after the window's last message
  int64_t rejected = 0;
  std::string rejection;
  const bool whole_source = !spec_.feed_table.empty() && !spec_.transforms.empty() &&
                            spec_.transform_input == TransformInput::kTable;
  if (whole_source) {
    // The source table as it is now (its changes were only markers).
    auto copy = copy_of_source_table();
    if (!copy.is_ok()) {
      *backlog_ -= window_bytes;
      return;
    }
    batches.push_back(std::move(copy).value());
    window.clear();
  }
  // What the window's messages decoded to: past max_decoded_bytes, the rest of the window
  // waits for the next one (a message alone past it was rejected by rows_of).
  size_t decoded = 0;
  std::vector<SourceMessage> deferred;
  for (size_t m = 0; m < window.size(); ++m) {
    SourceMessage& message = window[m];
    auto rows = rows_of(message);
    if (rows.is_ok() && !message.snapshot && !batches.empty() &&
        batch_bytes(*rows) > spec_.max_decoded_bytes - decoded) {
      // Encoded messages are decoded again then (what waits stays as small as it came).
      if (message.bytes.empty()) {
        message.rows = std::move(rows).value();
      } else {
        message.rows.reset();
      }
      for (size_t k = m; k < window.size(); ++k) {
        window_bytes -= window[k].bytes.size();
        deferred.push_back(std::move(window[k]));
      }
      window.resize(m);
      break;
    }
    if (!rows.is_ok()) {
      ++rejected;
      rejection = "a message was rejected: " + rows.status().message();
      std::fprintf(stderr, "parallax pipeline: table '%s': %s (message: %s)\n", spec_.name.c_str(),
                   rejection.c_str(), excerpt(message.bytes).c_str());
      if (message.settle) message.settle(false);
      continue;
    }
    if (message.snapshot) {
      batches.clear();  // the source's whole content supersedes the rest
      decoded = 0;
    }
    decoded += batch_bytes(*rows);
    if (!schema_) schema_ = rows->schema();
    batches.push_back(std::move(rows).value());
    if (message.settle) settles.push_back(std::move(message.settle));
    if (message.checkpoint) checkpoint = std::move(message.checkpoint);
  }
  if (!deferred.empty()) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.insert(pending_.begin(), std::make_move_iterator(deferred.begin()),
                    std::make_move_iterator(deferred.end()));
  }
  const int64_t accepted = static_cast<int64_t>(window.size()) - rejected;
  const bool any = !batches.empty();
  Result<RowBatch> joined = any ? concat_batches(std::move(batches)) : Status::invalid("no rows");
  Status failure = any ? joined.status() : Status::ok();
  TableMode mode = spec_.mode;
  std::shared_ptr<RowBatch> out;
  if (joined.is_ok() && !spec_.transforms.empty()) {
    RowBatch input = std::move(joined).value();
    if (whole_source) {
      mode = TableMode::kReplace;
    } else if (spec_.transform_input == TransformInput::kTable) {
      // Every row so far, kept as the table's mode would; the transform's result is the table.
      if (!shadow_) {
        TableOptions options;
        if (mode == TableMode::kUpsert) options.index = spec_.index;
        options.limit = spec_.limit;
        auto made = Table::create(input.schema(), options);
        if (made.is_ok()) shadow_ = std::move(made).value();
        failure = made.status();
      }
      if (failure.is_ok()) {
        auto changed =
            mode == TableMode::kReplace ? shadow_->replace(input) : shadow_->update(input);
        failure = changed.status();
      }
      if (failure.is_ok()) input = all_table_rows(*shadow_);
      mode = TableMode::kReplace;
    }
    if (failure.is_ok()) {
      auto transformed = transforms_.transform(std::move(input));
      if (transformed.is_ok()) {
        out = std::make_shared<RowBatch>(std::move(transformed).value());
      } else {
        failure = transformed.status();
      }
    }
  } else if (joined.is_ok()) {
    out = std::make_shared<RowBatch>(std::move(joined).value());
  }
  const double took_ms = std::chrono::duration<double, std::milli>(Clock::now() - began).count();
  post_([spec = shared_spec_, health = health_, status_table = status_table_, out, failure, mode,
         accepted, rejected, rejection, conflated, took_ms, settles = std::move(settles),
         backlog = backlog_, window_bytes, log = log_, checkpoint](Engine& engine) {
    const Status applied = out ? apply_rows(engine, *spec, *out, mode) : failure;
    if (applied.is_ok() && out && log && checkpoint)
      save_window(engine, *spec, *log, *checkpoint, *out, mode, *health);
    *backlog -= window_bytes;
    for (const auto& settle : settles) settle(applied.is_ok());
    TableHealth& h = *health;
    h.conflated += conflated;
    h.rejected += rejected;
    if (!rejection.empty()) h.last_error = rejection;
    if (out || !failure.is_ok()) {
      ++h.runs;
      h.last_run_ms = took_ms;
    }
    if (out && applied.is_ok()) {
      h.messages += accepted;
      if (h.state == "failed" || h.state == "connecting") h.state = "ok";
      h.last_success_ms = now_epoch_ms();
      if (auto table = engine.table(spec->name); table.is_ok())
        h.rows = static_cast<int64_t>((*table)->num_rows());
    } else if (out || !failure.is_ok()) {
      ++h.failures;
      h.state = "failed";
      h.last_error = applied.message();
      std::fprintf(stderr,
                   "parallax pipeline: table '%s': a window failed, its rows are left out: %s\n",
                   spec->name.c_str(), applied.message().c_str());
    }
    log_status(engine, status_table, h);
  });
}

}  // namespace parallax
