// Views of virtual tables answered off the engine's thread (docs/virtual-tables.md, "Off the
// engine's thread"). Their requests run SQL that may take a minute (a first screen over 100M
// rows); run where the request is handled, one such query would hold every client and every
// in-memory table of the server. Here each database gets its workers (database_workers.h)
// and each client's view of a virtual table a VirtualSlot with a lane on them: the view is
// made, read, expanded and rerun there, one job at a time and in order, and what a job
// answers is posted back to the engine's thread (the only one that touches the engine and the
// protocol handler's state), which sends it. The engine's thread never touches a slot's view.
//
// A view deleted, or whose client left, is dropped: its running query is cancelled
// (query_cancel.h), the jobs still waiting do no work, and the view lives until the last job
// holding it is done. The periodic refresh (rerun, change hints, on_update) runs on the
// workers too, conflated: a table whose last refresh has not finished is not refreshed again.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "api/engine.h"
#include "server/database_workers.h"

namespace parallax::server {

struct VirtualWorkerOptions {
  size_t threads = 4;       // per database (--virtual-workers)
  size_t max_waiting = 64;  // jobs waiting per database, past which requests are refused
                            // (--virtual-queue)
};

// One client's view of a virtual table.
struct VirtualSlot {
  std::string engine_name, table;
  std::shared_ptr<const VirtualTable> source;  // alive while a job needs it
  DatabaseWorkers* workers = nullptr;
  std::shared_ptr<DatabaseWorkers::Lane> lane;
  // Set on the engine's thread when the view is deleted or its client leaves: its queries are
  // cancelled and what its jobs answer is not sent.
  std::atomic<bool> dropped{false};
  // Lane jobs only: made by the slot's first job (or why not).
  std::shared_ptr<View> view;
  Status made = Status::ok();
  // Engine thread only: hosted in the engine under engine_name.
  bool adopted = false;
};

class VirtualLanes {
 public:
  // Runs a task on the engine's thread, after those already posted.
  using Post = std::function<void(std::function<void()>)>;
  // What a job answers: what to do next on the engine's thread (may be empty).
  using Then = std::function<void()>;

  VirtualLanes(Engine& engine, VirtualWorkerOptions options, Post post);
  // Cancels what runs and waits for it.
  ~VirtualLanes();

  // A slot for a view of the virtual table `table` (engine thread).
  std::shared_ptr<VirtualSlot> make_slot(const std::string& table, const std::string& engine_name);
  // Runs `job` on the slot's lane (its query cancelled once the slot is dropped), then what it
  // answers on the engine's thread. Refused when the database has too many jobs waiting,
  // unless `bounded` is false.
  Status run(const std::shared_ptr<VirtualSlot>& slot, std::function<Then(VirtualSlot&)> job,
             bool bounded = true);
  // Runs `job` on a worker of the virtual table's database (a lane of its own), then what it
  // answers on the engine's thread.
  Status run_for_table(const std::string& table, std::function<Then()> job);
  // The slot's view is hosted in the engine: the refresh reruns it from now on.
  void adopted(const std::shared_ptr<VirtualSlot>& slot);
  // Deleted, or its client left (engine thread).
  void drop(const std::shared_ptr<VirtualSlot>& slot);

  // Starts a refresh of every virtual table with views whose last one has finished (engine
  // thread): the table's change hint on a worker, then each view's rerun on its lane, then
  // the on_update callbacks of those whose results changed. Failures go to stderr when a
  // table's refreshes start failing and when they succeed again.
  void refresh();

 private:
  struct Round;
  DatabaseWorkers& workers_for(const VirtualTable& table);
  void rerun_views(const std::string& table, const Result<std::optional<std::string>>& hint,
                   const std::shared_ptr<Round>& round);
  void finish(const std::shared_ptr<Round>& round);

  Engine& engine_;
  VirtualWorkerOptions options_;
  Post post_;
  std::map<const Backend*, std::unique_ptr<DatabaseWorkers>> workers_;
  std::map<VirtualSlot*, std::weak_ptr<VirtualSlot>> live_;      // not dropped
  std::map<std::string, std::shared_ptr<VirtualSlot>> adopted_;  // by engine name
  std::set<std::string> refreshing_;                             // tables
  std::map<std::string, std::string> hints_;                     // each table's last change hint
  std::map<std::string, std::string> last_failure_;              // each table's, as last logged
};

}  // namespace parallax::server
