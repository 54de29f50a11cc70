#include "pipeline/pipeline.h"

#include <cstdio>
#include <filesystem>

#include "pipeline/table_apply.h"
#include "sources/row_batches.h"
#include "virtual/credentials.h"
#include "virtual/virtual_table.h"

namespace parallax {

namespace {

using Clock = std::chrono::steady_clock;

// The table's columns when the pipeline file tells them: its schema, or the output_schema of
// the step that makes its rows.
std::optional<Schema> declared_columns(const TableSpec& spec) {
  if (spec.schema) return spec.schema;
  if (!spec.transforms.empty()) return spec.transforms.back().settings.output_schema;
  if (spec.connector) return spec.connector->settings.output_schema;
  return std::nullopt;
}

// A table read in place: connected and hosted as it is when the server starts (a database
// that cannot be reached or lacks the table stops the start, as `--virtual` does).
Status host_virtual(Engine& engine, const TableSpec& spec) {
  const VirtualSourceSpec& source = *spec.virtual_source;
  PX_ASSIGN_OR_RETURN(
      std::unique_ptr<Backend> connected,
      connect_with_password(source.url, source.password,
                            BackendOptions{.timeout_seconds = source.timeout_seconds}));
  std::shared_ptr<Backend> backend = std::move(connected);
  PX_ASSIGN_OR_RETURN(BackendTable found, backend_table(*backend, source.table));
  for (const auto& skipped : found.skipped) {
    std::fprintf(stderr,
                 "parallax pipeline: table '%s': column %s has no Parallax type, left out\n",
                 spec.name.c_str(), skipped.c_str());
  }
  PX_ASSIGN_OR_RETURN(std::unique_ptr<VirtualTable> table,
                      VirtualTable::create(std::move(backend), std::move(found)));
  return engine.host_virtual_table(spec.name, std::move(table));
}

}  // namespace

Result<std::unique_ptr<Pipeline>> Pipeline::create(PipelineConfig config) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline(std::move(config)));
  if (pipeline->config_.local_script_host) {
    auto host = LocalScriptHost::start(pipeline->config_.script_host_args);
    if (!host.is_ok()) return host.status().with_context("starting the pipeline's script host");
    pipeline->script_host_ = std::move(host).value();
  }
  for (auto& spec : pipeline->config_.tables) {
    if (spec.virtual_source) continue;  // hosted by load(), nothing to run
    std::vector<ScriptStepSpec*> steps;
    if (spec.connector) steps.push_back(&*spec.connector);
    for (auto& step : spec.transforms) steps.push_back(&step);
    for (ScriptStepSpec* step : steps) {
      if (!step->on_local_host) continue;
      step->settings.host = "127.0.0.1";
      step->settings.port = pipeline->script_host_->port();
      if (step->settings.hmac_key.empty())
        step->settings.hmac_key = pipeline->script_host_->hmac_key();
    }
    auto slot = std::make_unique<Slot>();
    slot->runner = std::make_unique<TableRunner>(spec);
    slot->health = std::make_shared<TableHealth>();
    slot->health->table = spec.name;
    pipeline->slots_.push_back(std::move(slot));
  }
  return pipeline;
}

Pipeline::~Pipeline() {
  {
    std::lock_guard<std::mutex> lock(parameters_link_->mutex);
    parameters_link_->pipeline = nullptr;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
  for (auto& slot : slots_) {
    if (slot->live) slot->live->stop();
  }
}

Status Pipeline::load(Engine& engine) {
  PX_RETURN_IF_ERROR(create_status_table(engine, config_.status_table));
  for (const auto& spec : config_.tables) {
    if (!spec.virtual_source) continue;
    if (const Status hosted = host_virtual(engine, spec); !hosted.is_ok()) {
      return hosted.with_context(config_.path + ": table '" + spec.name + "'");
    }
  }
  const PostToEngine here = [&engine](std::function<void(Engine&)> task) { task(engine); };
  for (auto& slot : slots_) {
    // Hosted (empty) from the start when its columns are known, so a table whose first run
    // fails or whose source has sent nothing yet shows, with its status; otherwise made by
    // its first good run or window.
    const TableSpec& spec = slot->runner->spec();
    if (const std::optional<Schema> columns = declared_columns(spec)) {
      TableOptions options;
      options.index = spec.index;
      options.limit = spec.limit;
      const Status made = engine.create_table(spec.name, *columns, options);
      if (!made.is_ok()) return made.with_context("table '" + spec.name + "'");
    }
    if (!spec.live()) {
      run_once(*slot, here, 0);
      if (!engine.table(spec.name).is_ok()) {
        std::fprintf(stderr,
                     "parallax pipeline: table '%s' is not hosted until a run succeeds (give it a "
                     "'schema' to host it empty meanwhile)\n",
                     spec.name.c_str());
      }
      continue;
    }
    slot->health->state = "connecting";
    if (spec.postgres && !spec.postgres->checkpoint.empty()) restore(*slot, engine);
    log_status(engine, config_.status_table, *slot->health);
  }
  return host_parameters(engine);
}

void Pipeline::restore(Slot& slot, Engine& engine) {
  const TableSpec& spec = slot.runner->spec();
  std::string directory = config_.state_dir;
  if (directory.empty()) {
    std::filesystem::path file(config_.path);
    if (file.extension() == ".yaml" || file.extension() == ".yml") file.replace_extension();
    directory = file.string() + ".state";
  }
  // Another query or checkpoint column, another log: its rows would not be this query's.
  const std::string key = spec.postgres->query + "\n" + spec.postgres->checkpoint + "\n" +
                          (spec.mode == TableMode::kReplace ? "replace" : "incremental");
  auto log = std::make_shared<CheckpointLog>(
      (std::filesystem::path(directory) / (spec.name + ".log")).string(), key);
  auto records = log->read();
  const auto fail = [&](const std::string& why) {
    slot.health->last_error = why;
    std::fprintf(stderr, "parallax pipeline: table '%s': %s\n", spec.name.c_str(), why.c_str());
  };
  if (!records.is_ok()) {
    fail(records.status().message() + "; starting from checkpoint_start");
    slot.log = log;  // its first window rewrites it
    return;
  }
  slot.log = log;
  if (records->empty()) return;
  for (const auto& record : *records) {
    const Status applied =
        apply_rows(engine, spec, record.rows, record.replace ? TableMode::kReplace : spec.mode);
    if (!applied.is_ok()) {
      fail("the checkpoint log " + log->path() + " does not fit the table (" + applied.message() +
           "); starting from checkpoint_start");
      if (engine.table(spec.name).is_ok()) (void)engine.clear(spec.name);
      slot.log = std::make_shared<CheckpointLog>(log->path(), key);  // rewritten, not appended to
      return;
    }
  }
  slot.resume = records->back().checkpoint;
  // One record from now on: the table's rows.
  if (auto table = engine.table(spec.name); table.is_ok()) {
    if (const Status compacted = log->rewrite(*slot.resume, all_table_rows(*table.value()));
        !compacted.is_ok())
      fail(compacted.message());
    slot.health->rows = static_cast<int64_t>(table.value()->num_rows());
  }
  std::fprintf(stderr, "parallax pipeline: table '%s': %lld rows restored, resuming after %s\n",
               spec.name.c_str(), static_cast<long long>(slot.health->rows), slot.resume->c_str());
}

Status Pipeline::host_parameters(Engine& engine) {
  RowBatch rows;
  std::vector<std::string> cells[4];  // parameter ("TABLE.NAME"), table, name, value
  for (const auto& slot : slots_) {
    if (slot->runner->spec().live()) continue;  // (their steps take the file's values)
    for (const auto& [name, value] : slot->runner->parameters()) {
      const std::string& table = slot->runner->spec().name;
      for (const auto& [i, text] :
           {std::pair{0, table + "." + name}, {1, table}, {2, name}, {3, value}}) {
        cells[i].push_back(text);
      }
    }
  }
  if (cells[0].empty()) return Status::ok();
  const char* names[] = {"parameter", "table", "name", "value"};
  Schema schema;
  for (size_t i = 0; i < 4; ++i) {
    Column column(DataType::kString);
    for (const auto& text : cells[i]) column.append_string(text);
    rows.columns.push_back({names[i], std::move(column), std::nullopt});
    schema.add({names[i], DataType::kString});
  }
  rows.num_rows = cells[0].size();
  const std::string& table = config_.parameters_table;
  TableOptions options;
  options.index = "parameter";
  PX_RETURN_IF_ERROR(
      engine.create_table(table, rows, options).with_context("table '" + table + "'"));
  parameters_link_->pipeline = this;
  auto subscribed = engine.on_table_change(
      table, [link = parameters_link_](const Table& changed, const ChangeSet& changes) {
        std::vector<uint32_t> touched = changes.added_rows;
        touched.insert(touched.end(), changes.updated_rows.begin(), changes.updated_rows.end());
        if (changes.cleared) touched.clear();
        if (touched.empty()) return;
        const RowBatch rows = table_rows(changed, touched);
        std::lock_guard<std::mutex> lock(link->mutex);
        if (link->pipeline) link->pipeline->parameters_changed(rows);
      });
  return subscribed.status();
}

// On the engine's thread: each row names a table and a parameter; a new value reruns it.
void Pipeline::parameters_changed(const RowBatch& rows) {
  const BatchColumn* tables = rows.find("table");
  const BatchColumn* names = rows.find("name");
  const BatchColumn* values = rows.find("value");
  if (!tables || !names || !values) return;
  for (size_t row = 0; row < rows.num_rows; ++row) {
    if (tables->values.is_null(row) || names->values.is_null(row) || values->values.is_null(row))
      continue;
    const std::string table(tables->values.string_at(row));
    const std::string name(names->values.string_at(row));
    const std::string value(values->values.string_at(row));
    for (auto& slot : slots_) {
      if (slot->runner->spec().name != table || slot->runner->spec().live()) continue;
      if (Status allowed = slot->runner->check_client_value(name, value); !allowed.is_ok()) {
        refuse_parameter(*slot, rows, row, name, allowed.message());
        continue;
      }
      if (!slot->runner->set_parameter(name, value)) continue;
      std::fprintf(stderr, "parallax pipeline: table '%s': parameter '%s' set by a client\n",
                   table.c_str(), name.c_str());
      {
        std::lock_guard<std::mutex> lock(mutex_);
        slot->rerun = true;
      }
      wake_.notify_all();
    }
  }
}

// A value a client may not give (TableRunner::check_client_value) changes nothing: the row
// gets back the value in use (posted: the table is being changed now), the error goes to the
// log and the table's status.
void Pipeline::refuse_parameter(Slot& slot, const RowBatch& rows, size_t row,
                                const std::string& name, const std::string& error) {
  std::fprintf(stderr, "parallax pipeline: %s\n", error.c_str());
  const BatchColumn* keys = rows.find("parameter");
  if (!post_ || !keys || keys->values.is_null(row)) return;
  std::string in_use;
  for (const auto& [known, value] : slot.runner->parameters()) {
    if (known == name) in_use = value;
  }
  RowBatch restored;
  for (const auto& [column, text] :
       {std::pair<const char*, std::string>{"parameter", std::string(keys->values.string_at(row))},
        {"value", in_use}}) {
    Column cells(DataType::kString);
    cells.append_string(text);
    restored.columns.push_back({column, std::move(cells), std::nullopt});
  }
  restored.num_rows = 1;
  post_([restored = std::move(restored), parameters = config_.parameters_table,
         status = config_.status_table, health = slot.health, error](Engine& engine) {
    (void)engine.update(parameters, restored);
    ++health->failures;
    health->last_error = error;
    log_status(engine, status, *health);
  });
}

void Pipeline::start(PostToEngine post) {
  post_ = post;
  for (auto& slot : slots_) {
    const TableSpec& spec = slot->runner->spec();
    if (spec.live()) {
      TableSpec resumed = spec;
      if (slot->resume) resumed.postgres->checkpoint_start = *slot->resume;
      slot->live =
          std::make_unique<LiveTable>(resumed, slot->health, config_.status_table, post, slot->log);
      slot->live->start();
      continue;
    }
    // A connector run once (unless a client sets its parameters).
    if (spec.file.empty() && !spec.refresh && slot->runner->parameters().empty()) continue;
    threads_.emplace_back([this, &slot = *slot, post] { watch(slot, post); });
  }
}

void Pipeline::run_once(Slot& slot, const PostToEngine& post, int64_t conflated) {
  const std::string& status_table = config_.status_table;
  post([health = slot.health, status_table](Engine& engine) {
    health->state = "running";
    log_status(engine, status_table, *health);
  });
  const auto began = Clock::now();
  auto produced = slot.runner->produce();
  const double took_ms = std::chrono::duration<double, std::milli>(Clock::now() - began).count();
  auto batch = produced.is_ok() ? std::make_shared<RowBatch>(std::move(produced).value()) : nullptr;
  const Status failure = produced.is_ok() ? Status::ok() : produced.status();
  post([health = slot.health, spec = &slot.runner->spec(), status_table, batch, failure, took_ms,
        conflated](Engine& engine) {
    const Status applied = batch ? apply_rows(engine, *spec, *batch, spec->mode) : failure;
    TableHealth& h = *health;
    ++h.runs;
    h.conflated += conflated;
    h.last_run_ms = took_ms;
    if (applied.is_ok()) {
      if (!h.last_error.empty()) {
        std::fprintf(stderr, "parallax pipeline: table '%s' is refreshed again\n", h.table.c_str());
      }
      h.state = "ok";
      h.rows = static_cast<int64_t>(batch->num_rows);
      h.last_success_ms = now_epoch_ms();
      h.last_error.clear();
    } else {
      ++h.failures;
      h.state = "failed";
      h.last_error = applied.message();
      std::fprintf(stderr, "parallax pipeline: table '%s' failed, keeping its last good rows: %s\n",
                   h.table.c_str(), applied.message().c_str());
    }
    log_status(engine, status_table, h);
  });
}

void Pipeline::watch(Slot& slot, PostToEngine post) {
  const TableSpec& spec = slot.runner->spec();
  auto next_period = Clock::now() + spec.refresh.value_or(std::chrono::milliseconds(0));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    // Every period that came and every change seen since the last run is a trigger; one run
    // serves them all (the triggers that came during a run are counted here, after it).
    int64_t triggers = 0;
    const auto now = Clock::now();
    if (spec.refresh && now >= next_period) {
      const int64_t missed = 1 + (now - next_period) / *spec.refresh;
      triggers += missed;
      next_period += missed * *spec.refresh;
    }
    if (slot.runner->source_changed()) ++triggers;
    if (slot.rerun) {
      slot.rerun = false;
      ++triggers;
    }
    if (triggers > 0) {
      lock.unlock();
      run_once(slot, post, triggers - 1);
      lock.lock();
      continue;
    }
    auto wake = Clock::time_point::max();
    if (slot.runner->watches_files()) wake = now + config_.watch_interval;
    if (spec.refresh) wake = std::min(wake, next_period);
    wake_.wait_until(lock, wake, [this, &slot] { return stopping_ || slot.rerun; });
  }
}

}  // namespace parallax
