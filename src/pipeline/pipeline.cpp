#include "pipeline/pipeline.h"

#include <cstdio>

#include "pipeline/table_apply.h"

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

}  // namespace

Result<std::unique_ptr<Pipeline>> Pipeline::create(PipelineConfig config) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline(std::move(config)));
  if (pipeline->config_.local_script_host) {
    auto host = LocalScriptHost::start(pipeline->config_.script_host_args);
    if (!host.is_ok()) return host.status().with_context("starting the pipeline's script host");
    pipeline->script_host_ = std::move(host).value();
  }
  for (auto& spec : pipeline->config_.tables) {
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
    log_status(engine, config_.status_table, *slot->health);
  }
  return Status::ok();
}

void Pipeline::start(PostToEngine post) {
  for (auto& slot : slots_) {
    const TableSpec& spec = slot->runner->spec();
    if (spec.live()) {
      slot->live = std::make_unique<LiveTable>(spec, slot->health, config_.status_table, post);
      slot->live->start();
      continue;
    }
    if (spec.file.empty() && !spec.refresh) continue;  // a connector run once
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
    if (triggers > 0) {
      lock.unlock();
      run_once(slot, post, triggers - 1);
      lock.lock();
      continue;
    }
    auto wake = Clock::time_point::max();
    if (slot.runner->watches_files()) wake = now + config_.watch_interval;
    if (spec.refresh) wake = std::min(wake, next_period);
    wake_.wait_until(lock, wake, [this] { return stopping_; });
  }
}

}  // namespace parallax
