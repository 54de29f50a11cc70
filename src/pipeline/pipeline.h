// Runs a pipeline next to a server: each hosted table is rebuilt by its own thread when its
// refresh period comes or its source file changes; a table with a live source (see
// live_table) is updated as its messages come. Runs of one table never overlap or queue
// up: triggers that arrive during a run are conflated into one run after it. A failed run
// keeps the last good table, is logged, and shows in the status table.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "api/engine.h"
#include "common/status.h"
#include "pipeline/live_table.h"
#include "pipeline/pipeline_config.h"
#include "pipeline/status_table.h"
#include "pipeline/table_runner.h"
#include "scripting/local_script_host.h"

namespace parallax {

class Pipeline {
 public:
  // Starts the local script host when the config asks for one.
  static Result<std::unique_ptr<Pipeline>> create(PipelineConfig config);
  ~Pipeline();  // stops the threads (a running script is waited for) and the script host

  // Before serving, on the engine's owner thread: the status table, and one run of every
  // table (a table whose first run fails is missing until a run succeeds).
  Status load(Engine& engine);
  // Then one thread per table that can change, posting results through `post`.
  void start(PostToEngine post);

 private:
  struct Slot {
    std::unique_ptr<TableRunner> runner;
    std::unique_ptr<LiveTable> live;      // a live source's, made by start()
    std::shared_ptr<TableHealth> health;  // touched on the engine thread only
    bool rerun = false;                   // a client set a parameter (under mutex_)
    // A checkpointed source's log, and the checkpoint its restored rows reached.
    std::shared_ptr<CheckpointLog> log;
    std::optional<std::string> resume;
  };
  // What the parameters table's change callback reaches; cleared when the pipeline goes.
  struct ParametersLink {
    std::mutex mutex;
    Pipeline* pipeline = nullptr;
  };

  explicit Pipeline(PipelineConfig config) : config_(std::move(config)) {}
  void run_once(Slot& slot, const PostToEngine& post, int64_t conflated);
  void watch(Slot& slot, PostToEngine post);
  // The parameters table, filled with every parameter of the file and connector tables.
  Status host_parameters(Engine& engine);
  // A checkpointed table's rows back from its log (on the engine's owner thread, before serving).
  void restore(Slot& slot, Engine& engine);
  void parameters_changed(const RowBatch& rows);
  void refuse_parameter(Slot& slot, const RowBatch& rows, size_t row, const std::string& name,
                        const std::string& error);

  PipelineConfig config_;
  std::unique_ptr<LocalScriptHost> script_host_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  PostToEngine post_;  // from start()
  std::shared_ptr<ParametersLink> parameters_link_ = std::make_shared<ParametersLink>();
};

}  // namespace parallax
