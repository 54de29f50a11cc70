// The one facade over the engine that every front end (replay, CLI, server, Python) uses:
// named tables and views, requests in, typed results or a Status out. Each request is
// implemented once, here or in api/ (view_output, json_results), and the front ends only
// translate (python/tests/test_front_ends.py holds them to the same answers).
//
// Threading: an Engine is not thread-safe, and const does not mean thread-safe either: a
// const read of a view (read, schema, num_rows, ...) may fill lazily kept caches (a flat
// view's sorted rows, a view's expression columns live in mutable members), so two threads
// must never call into one Engine at once, const or not. Exactly one owner serialises every call:
// - `parallax serve` (server/server.h): the engine thread. Network threads only decode and
//   encode messages and post requests to it (Server::post_to_engine); every request, table
//   change and on_update callback runs there, one at a time. The one exception: a view of a
//   virtual table, handed out by shared_view (or made by make_virtual_view), is read and
//   rerun on its database's workers (server/virtual_lanes.h), one job at a time; the engine
//   thread then never calls into it.
// - pipelines (pipeline/pipeline.h): each table's thread reads its source and runs its
//   transforms without the engine, then posts the result to the server's engine thread;
//   Pipeline::load runs before serving, on the thread that then hands the engine over.
// - Python (python/binding/locked_engine.h): LockedEngine holds the Engine behind a mutex;
//   Python threads call in with the GIL released, callbacks run after the mutex is released
//   so they may call back in.
// - replay and `parallax view`: one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "api/table_data.h"
#include "common/status.h"
#include "common/task_pool.h"
#include "core/table.h"
#include "query/expressions/expression.h"
#include "query/view.h"
#include "virtual/virtual_table.h"

namespace parallax {

// What an on_update callback hears: which view, and what the change did to its table.
struct ViewUpdate {
  const std::string& view;
  const ChangeSet& changes;
};
using ViewUpdateCallback = std::function<void(const ViewUpdate&)>;
// What a table-change callback hears: the table after the change, and the change.
using TableChangeCallback = std::function<void(const Table&, const ChangeSet&)>;

// The reference's view.dimensions.
struct ViewDimensions {
  size_t num_table_rows = 0;
  size_t num_table_columns = 0;
  size_t num_view_rows = 0;
  size_t num_view_columns = 0;
};

// A view's dimensions and expression schema as Engine::dimensions and ::expression_schema
// answer them, for whoever holds the view itself (Engine::shared_view).
ViewDimensions view_dimensions(const View& view);
std::vector<Field> view_expression_schema(const View& view);

class Engine {
 public:
  // How many threads the engine's work may use at once (0: every core the process may use,
  // the default): CSV loads spread over a pool of that many, made when
  // first needed and kept (`parallax ... --threads N`). Results never depend on it.
  void set_num_cpus(size_t threads);
  size_t num_cpus() const { return num_cpus_ ? num_cpus_ : TaskPool::available_cores(); }
  TaskPool& task_pool();

  // A table from data (types inferred) or from a schema (empty).
  Status create_table(const std::string& name, const TableData& data, TableOptions options);
  Status create_table(const std::string& name, Schema schema, TableOptions options);
  // A table from rows already typed (front ends that convert their own data, e.g. numpy).
  Status create_table(const std::string& name, const RowBatch& batch, TableOptions options);
  // Fails while views of the table exist.
  Status delete_table(const std::string& name);

  Status update(const std::string& table, const TableData& data);
  // `batch` must be typed as the table's schema (a subset of its columns).
  Status update(const std::string& table, const RowBatch& batch);
  // `keys` is a JSON list of primary key values; each is read as the index column's type,
  // and keys that cannot be read or are not in the table are ignored, as the reference does.
  Status remove(const std::string& table, std::string_view keys_json);
  Status clear(const std::string& table);
  Status replace(const std::string& table, const TableData& data);
  Status replace(const std::string& table, const RowBatch& batch);

  // A virtual table's is an empty table with its schema and key (its rows stay in its
  // database): table_size counts every table's rows.
  Result<const Table*> table(const std::string& name) const;
  Result<size_t> table_size(const std::string& name) const;
  std::vector<std::string> table_names() const;

  // Hosts a table whose rows stay in a database (src/virtual): its views compile to SQL
  // there; it is read-only (updates are refused).
  Status host_virtual_table(const std::string& name, std::unique_ptr<VirtualTable> table);
  bool is_virtual(const std::string& name) const { return virtual_tables_.contains(name); }
  // The virtual table hosted as `name`, or null.
  const VirtualTable* virtual_table(const std::string& name) const {
    auto found = virtual_tables_.find(name);
    return found == virtual_tables_.end() ? nullptr : found->second.get();
  }
  // The same, shared: a job running off the engine's thread keeps it (and its backend) alive
  // should the table be deleted meanwhile.
  std::shared_ptr<const VirtualTable> shared_virtual_table(const std::string& name) const {
    auto found = virtual_tables_.find(name);
    return found == virtual_tables_.end() ? nullptr : found->second;
  }
  // Reruns the queries of every view of virtual tables (or of `table` only) whose database's
  // change hint moved since the last refresh (or that has none, or failed), and calls the
  // on_update callbacks of those whose results changed. A view whose database fails keeps
  // the error for its reads until a later refresh succeeds; answers the failures.
  std::vector<Status> refresh_virtual_tables(const std::string& table = "");

  // kShared: a view whose config equals (ViewConfig::operator==) that of another shared view
  // of the same in-memory table uses the same underlying view, followed once per change
  // (the server's clients: 20 clients of 10 dashboards follow 10 views). A view reads as a
  // view made afresh on its table whatever history it followed, so sharing changes no
  // answer; what a client changes of its own view (expand, collapse, set_depth, or the
  // testing hook) forks it first into a view of its own, built afresh from its config.
  // Views made with group_by_depth, and views of virtual tables, are never shared.
  enum class ViewSharing { kPrivate, kShared };
  Status create_view(const std::string& table, const std::string& name, ViewConfig config,
                     ViewSharing sharing = ViewSharing::kPrivate);
  // Views of virtual tables made off the engine's thread (the server's database workers,
  // server/virtual_lanes.h), where their queries run: make_virtual_view makes one (config as
  // create_view takes it, expression limits set by the caller), adopt_view hosts it as `name`
  // as create_view would have. shared_view hands the view itself out: whoever holds it must
  // see that one thread at a time touches it (a virtual view's reads run queries and fill its
  // caches), and that the engine's own calls on it (view, dimensions, expand, ...,
  // refresh_virtual_tables) are not among them.
  static Result<std::unique_ptr<View>> make_virtual_view(const VirtualTable& table,
                                                         ViewConfig config);
  Status adopt_view(const std::string& table, const std::string& name, std::shared_ptr<View> view,
                    ViewConfig config);
  Result<std::shared_ptr<View>> shared_view(const std::string& name);
  // Calls the view's on_update callbacks (no rows changed that the engine knows of): a
  // virtual view rerun elsewhere whose results changed.
  void notify_view(const std::string& name);

  // How many distinct underlying views the engine keeps (shared ones counted once).
  size_t num_underlying_views() const;
  // What each evaluation of a view's expressions may spend (a loop bomb ends with an error
  // instead of holding the engine); applies to views created after the call.
  void set_expression_limits(const ExpressionLimits& limits) { expression_limits_ = limits; }
  const ExpressionLimits& expression_limits() const { return expression_limits_; }
  Status delete_view(const std::string& name);
  // The view, refreshed (View::refresh): a view that could not follow its table's last
  // change rebuilds here, so that its reads, which are const, change nothing. Fetch it again
  // after a table changes: a pointer kept from before may be stale (callbacks of on_update
  // get views already refreshed).
  Result<const View*> view(const std::string& name);
  // Starts tracking which of the view's rows each change alters (View::read_changed), for
  // ROW-mode on_update deltas.
  Status track_changes(const std::string& view);
  // Testing hook: the view itself, for tests and benchmarks that switch how it follows
  // changes (GroupedView's *_for_testing); a shared view forks first (the switch is this
  // name's alone).
  Result<View*> view_for_testing(const std::string& name);
  // Grouped views: show or hide the children of a visible row; answers the rows changed.
  Result<int64_t> expand(const std::string& view, size_t row);
  Result<int64_t> collapse(const std::string& view, size_t row);
  // Grouped views: expand the groups at `depth` and above (the totals row is 0), collapse
  // the rest; a depth past the group_by levels changes nothing.
  Status set_depth(const std::string& view, size_t depth);

  // The reference's table.validate_expressions: each expression's type, or its error with
  // its line and column (the type checker's answer; no view is made).
  Result<ExpressionValidation> validate_expressions(
      const std::string& table,
      const std::vector<std::pair<std::string, std::string>>& expressions) const;
  // The reference's view.expression_schema: each of the view's expressions, in config order,
  // with the type the view shows it as (aggregated, in a grouped view), or its own type when
  // the view does not show it (hidden, or only in group_by / split_by).
  Result<std::vector<Field>> expression_schema(const std::string& view);
  Result<ViewDimensions> dimensions(const std::string& view);

  // Subscribes `callback` to every change of the view's table (called after the change,
  // on the thread that made it, with the view refreshed). Answers an id for remove_update;
  // deleting the view drops it.
  Result<uint64_t> on_update(const std::string& view, ViewUpdateCallback callback);
  Status remove_update(const std::string& view, uint64_t id);
  // Subscribes `callback` to every change of a table (after its views followed it), with no
  // view needed: pipelines feed tables from other tables this way. Answers an id.
  Result<uint64_t> on_table_change(const std::string& table, TableChangeCallback callback);
  void remove_table_change(const std::string& table, uint64_t id);

 private:
  // A named view: its underlying view (held by every name that shares it) and what a fork
  // needs to make it again.
  struct ViewEntry {
    std::shared_ptr<View> view;
    std::string table;
    ViewConfig config;    // as asked for (expression limits set)
    bool shared = false;  // made kShared and never changed by its client: others may join
    bool tracks = false;  // track_changes was asked for this name
  };
  Result<Table*> mutable_table(const std::string& name);
  Result<ViewEntry*> find_view(const std::string& name);
  // A view made from `config` as create_view makes it (group_by_depth applied).
  Result<std::unique_ptr<View>> make_view(const std::string& table, ViewConfig config);
  // The view `name` alone holds, to be changed by its client: a view still shared is first
  // forked into one of its own, and either way leaves the views others may join.
  Result<View*> own_view(const std::string& name);
  // Runs the on_update callbacks of every view of `table` when `changes` is not empty.
  Status notify(const std::string& table, Result<ChangeSet> changes);

  std::map<std::string, std::unique_ptr<Table>> tables_;
  std::map<std::string, std::shared_ptr<VirtualTable>> virtual_tables_;
  // Each virtual table's change hint at its last refresh (Backend::change_hint).
  std::map<std::string, std::string> virtual_hints_;
  absl::flat_hash_map<std::string, ViewEntry> views_;
  struct Subscription {
    uint64_t id;
    ViewUpdateCallback callback;
  };
  std::map<std::string, std::vector<Subscription>> subscriptions_;  // by view name
  std::map<std::string, std::vector<std::pair<uint64_t, TableChangeCallback>>> table_watchers_;
  uint64_t next_subscription_ = 1;
  ExpressionLimits expression_limits_;
  size_t num_cpus_ = 0;
  std::unique_ptr<TaskPool> pool_;  // made by the first load or view that needs it
};

}  // namespace parallax
