#include "api/engine.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <simdjson.h>

#include "core/temporal.h"
#include "core/value_parsing.h"

namespace parallax {

namespace {

// A JSON number as an integer or datetime key; nullopt beyond int64 (no such key exists).
std::optional<Scalar> integer_key(DataType type, double number) {
  const auto whole = double_to_int64(number);
  if (!whole) return std::nullopt;
  return Scalar::of_integer(type, *whole);
}

// Reads one JSON key as the index column's type; nullopt when it cannot be read.
std::optional<Scalar> key_from_json(simdjson::dom::element value, DataType type) {
  using simdjson::dom::element_type;
  if (value.is_null()) return Scalar::null(type);
  const bool is_number = value.is_number();
  const bool is_string = value.is_string();
  const std::string_view text = is_string ? std::string_view(value) : std::string_view();
  switch (type) {
    case DataType::kString:
      if (is_string) return Scalar::of_string(std::string(text));
      return std::nullopt;
    case DataType::kInteger:
      if (is_number) return integer_key(type, double(value));
      if (auto parsed = parse_integer(text); is_string && parsed)
        return Scalar::of_integer(type, *parsed);
      return std::nullopt;
    case DataType::kFloat:
      if (is_number) return Scalar::of_float(double(value));
      if (auto parsed = parse_float(text); is_string && parsed) return Scalar::of_float(*parsed);
      return std::nullopt;
    case DataType::kDate:
      if (is_number) {
        const auto millis = double_to_int64(double(value));
        if (!millis) return std::nullopt;
        return Scalar::of_integer(type, millis_to_days(*millis));
      }
      if (auto parsed = parse_date(text); is_string && parsed)
        return Scalar::of_integer(type, *parsed);
      return std::nullopt;
    case DataType::kDatetime:
      if (is_number) return integer_key(type, double(value));
      if (is_string) {
        if (auto parsed = parse_datetime(text)) return Scalar::of_integer(type, *parsed);
        if (auto days = parse_date(text)) return Scalar::of_integer(type, date_to_millis(*days));
      }
      return std::nullopt;
    case DataType::kBoolean:
      if (value.is_bool()) return Scalar::of_integer(type, bool(value));
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

void Engine::set_num_cpus(size_t threads) {
  if (threads == num_cpus_) return;
  num_cpus_ = threads;
  // Resized in place: views keep the pool they were made with.
  if (pool_) pool_->set_threads(threads);
}

TaskPool& Engine::task_pool() {
  if (!pool_) pool_ = std::make_unique<TaskPool>(num_cpus_);
  return *pool_;
}

Status Engine::create_table(const std::string& name, const TableData& data, TableOptions options) {
  if (tables_.contains(name)) return Status::invalid("a table named '{}' already exists", name);
  PX_ASSIGN_OR_RETURN(RowBatch batch, read_table_data(data, nullptr, &task_pool()));
  return create_table(name, batch, std::move(options));
}

Status Engine::create_table(const std::string& name, const RowBatch& batch, TableOptions options) {
  if (tables_.contains(name)) return Status::invalid("a table named '{}' already exists", name);
  if (batch.columns.empty()) return Status::invalid("the data has no columns");
  options.name = name;
  PX_ASSIGN_OR_RETURN(std::unique_ptr<Table> table,
                      Table::create(batch.schema(), std::move(options)));
  PX_RETURN_IF_ERROR(table->load(batch).status());
  tables_.emplace(name, std::move(table));
  return Status::ok();
}

Status Engine::create_table(const std::string& name, Schema schema, TableOptions options) {
  if (tables_.contains(name)) return Status::invalid("a table named '{}' already exists", name);
  options.name = name;
  PX_ASSIGN_OR_RETURN(std::unique_ptr<Table> table,
                      Table::create(std::move(schema), std::move(options)));
  tables_.emplace(name, std::move(table));
  return Status::ok();
}

Status Engine::delete_table(const std::string& name) {
  PX_RETURN_IF_ERROR(table(name).status());
  for (const auto& [view, entry] : views_) {
    if (entry.table == name)
      return Status::invalid("table '{}' still has views (such as '{}')", name, view);
  }
  tables_.erase(name);
  table_watchers_.erase(name);
  virtual_tables_.erase(name);
  virtual_hints_.erase(name);
  return Status::ok();
}

Status Engine::host_virtual_table(const std::string& name, std::unique_ptr<VirtualTable> table) {
  if (tables_.contains(name)) return Status::invalid("a table named '{}' already exists", name);
  TableOptions options = table->placeholder().options();
  options.name = name;
  PX_ASSIGN_OR_RETURN(std::unique_ptr<Table> placeholder,
                      Table::create(table->placeholder().schema(), std::move(options)));
  tables_.emplace(name, std::move(placeholder));
  virtual_tables_.emplace(name, std::move(table));
  return Status::ok();
}

Result<size_t> Engine::table_size(const std::string& name) const {
  if (auto found = virtual_tables_.find(name); found != virtual_tables_.end())
    return found->second->num_rows();
  PX_ASSIGN_OR_RETURN(const Table* found, table(name));
  return found->num_rows();
}

std::vector<Status> Engine::refresh_virtual_tables(const std::string& only) {
  std::vector<Status> failures;
  std::vector<std::string> changed;
  std::map<const Backend*, Status> unreachable;
  std::map<std::string, bool> unchanged_tables;  // by its change hint, this round
  for (auto& [view_name, entry] : views_) {
    const std::string& table = entry.table;
    if (!virtual_tables_.contains(table) || (!only.empty() && table != only)) continue;
    // (Views of virtual tables are never shared: each is rerun once.)
    auto* virtual_view = dynamic_cast<VirtualView*>(entry.view.get());
    if (!virtual_view) continue;
    // A database found unreachable is not asked again this round: each view would wait
    // out the timeout on the engine's thread.
    Backend& backend = virtual_tables_.at(table)->backend();
    if (auto down = unreachable.find(&backend); down != unreachable.end()) {
      virtual_view->fail(down->second);
      failures.push_back(down->second);
      continue;
    }
    // Asked once per table and round, before its views rerun (a change after it shows in
    // the next hint). A view whose last rerun failed reruns whatever the hint says.
    auto unchanged = unchanged_tables.find(table);
    if (unchanged == unchanged_tables.end()) {
      Result<std::optional<std::string>> hint =
          backend.change_hint(virtual_tables_.at(table)->source().name);
      if (!hint.is_ok() && !backend.reachable()) {
        unreachable.emplace(&backend, hint.status());
        virtual_hints_.erase(table);
        virtual_view->fail(hint.status());
        failures.push_back(hint.status());
        continue;
      }
      // No hint, or a refused hint query: rerun as without hints (never miss a change).
      bool same = false;
      if (hint.is_ok() && hint->has_value()) {
        auto last = virtual_hints_.find(table);
        same = last != virtual_hints_.end() && last->second == **hint;
        virtual_hints_[table] = **hint;
      } else {
        virtual_hints_.erase(table);
      }
      unchanged = unchanged_tables.emplace(table, same).first;
    }
    if (unchanged->second && !virtual_view->failed()) continue;
    Result<bool> rerun = virtual_view->rerun();
    if (!rerun.is_ok()) {
      failures.push_back(rerun.status());
      if (!backend.reachable()) unreachable.emplace(&backend, rerun.status());
      continue;
    }
    if (*rerun) changed.push_back(view_name);
  }
  // As notify: callbacks may change subscriptions, so they run from a copy.
  const ChangeSet changes;
  std::vector<std::pair<std::string, ViewUpdateCallback>> callbacks;
  for (const auto& view_name : changed) {
    auto found = subscriptions_.find(view_name);
    if (found == subscriptions_.end()) continue;
    for (const auto& subscription : found->second)
      callbacks.emplace_back(view_name, subscription.callback);
  }
  for (const auto& [view_name, callback] : callbacks) callback({view_name, changes});
  return failures;
}

Result<Table*> Engine::mutable_table(const std::string& name) {
  auto found = tables_.find(name);
  if (found == tables_.end()) return Status::not_found("no table named '{}'", name);
  if (virtual_tables_.contains(name)) {
    return Status::invalid("table '{}' is a virtual table over {}: it is read-only", name,
                           virtual_tables_.at(name)->backend().kind());
  }
  return found->second.get();
}

Result<const Table*> Engine::table(const std::string& name) const {
  auto found = tables_.find(name);
  if (found == tables_.end()) return Status::not_found("no table named '{}'", name);
  return static_cast<const Table*>(found->second.get());
}

std::vector<std::string> Engine::table_names() const {
  std::vector<std::string> names;
  for (const auto& [name, table] : tables_) names.push_back(name);
  return names;
}

Status Engine::update(const std::string& name, const TableData& data) {
  PX_ASSIGN_OR_RETURN(Table * table, mutable_table(name));
  PX_ASSIGN_OR_RETURN(RowBatch batch, read_table_data(data, &table->schema(), &task_pool()));
  return notify(name, table->update(batch));
}

Status Engine::update(const std::string& name, const RowBatch& batch) {
  PX_ASSIGN_OR_RETURN(Table * table, mutable_table(name));
  return notify(name, table->update(batch));
}

Status Engine::remove(const std::string& name, std::string_view keys_json) {
  PX_ASSIGN_OR_RETURN(Table * table, mutable_table(name));
  if (!table->index_position())
    return Status::invalid("cannot remove from a table without an index");
  simdjson::dom::parser parser;
  simdjson::dom::array values;
  if (parser.parse(keys_json.data(), keys_json.size()).get(values) != simdjson::SUCCESS) {
    return Status::invalid("remove expects a JSON list of keys");
  }
  const DataType key_type = table->schema().field(*table->index_position()).type;
  std::vector<Scalar> keys;
  for (auto value : values) {
    if (auto key = key_from_json(value, key_type)) keys.push_back(std::move(*key));
  }
  return notify(name, table->remove(keys));
}

Status Engine::clear(const std::string& name) {
  PX_ASSIGN_OR_RETURN(Table * table, mutable_table(name));
  return notify(name, table->clear());
}

Status Engine::replace(const std::string& name, const TableData& data) {
  PX_ASSIGN_OR_RETURN(Table * table, mutable_table(name));
  PX_ASSIGN_OR_RETURN(RowBatch batch, read_table_data(data, &table->schema(), &task_pool()));
  return notify(name, table->replace(batch));
}

Status Engine::replace(const std::string& name, const RowBatch& batch) {
  PX_ASSIGN_OR_RETURN(Table * table, mutable_table(name));
  return notify(name, table->replace(batch));
}

Result<std::unique_ptr<View>> Engine::make_view(const std::string& table_name, ViewConfig config) {
  PX_ASSIGN_OR_RETURN(const Table* source, table(table_name));
  auto virtual_table = virtual_tables_.find(table_name);
  if (virtual_table != virtual_tables_.end())
    return make_virtual_view(*virtual_table->second, std::move(config));
  const uint32_t depth = config.group_by_depth.value_or(0);
  PX_ASSIGN_OR_RETURN(std::unique_ptr<View> view,
                      View::create(*source, std::move(config), &task_pool()));
  // group_by_depth N shows N levels, as set_depth(N - 1) (the reference's row pivot depth).
  if (depth > 0) PX_RETURN_IF_ERROR(view->set_depth(depth - 1));
  return view;
}

Result<std::unique_ptr<View>> Engine::make_virtual_view(const VirtualTable& table,
                                                        ViewConfig config) {
  const uint32_t depth = config.group_by_depth.value_or(0);
  PX_ASSIGN_OR_RETURN(std::unique_ptr<View> view, table.create_view(std::move(config)));
  if (depth > 0) PX_RETURN_IF_ERROR(view->set_depth(depth - 1));  // as make_view
  return view;
}

Status Engine::adopt_view(const std::string& table_name, const std::string& name,
                          std::shared_ptr<View> view, ViewConfig config) {
  if (!virtual_tables_.contains(table_name))
    return Status::not_found("no virtual table named '{}'", table_name);
  if (views_.contains(name)) return Status::invalid("a view named '{}' already exists", name);
  views_[name] = ViewEntry{std::move(view), table_name, std::move(config), false, false};
  return Status::ok();
}

Result<std::shared_ptr<View>> Engine::shared_view(const std::string& name) {
  PX_ASSIGN_OR_RETURN(ViewEntry * entry, find_view(name));
  return entry->view;
}

void Engine::notify_view(const std::string& name) {
  auto found = subscriptions_.find(name);
  if (found == subscriptions_.end()) return;
  const auto copies = found->second;  // a callback may unsubscribe
  const ChangeSet changes;
  for (const auto& subscription : copies) subscription.callback({name, changes});
}

Status Engine::create_view(const std::string& table_name, const std::string& name,
                           ViewConfig config, ViewSharing sharing) {
  PX_RETURN_IF_ERROR(table(table_name).status());
  config.expression_limits = expression_limits_;
  // A view made with group_by_depth was set_depth'd when made: its later groups' layout
  // follows from that history, not from its config alone, so it is never shared.
  const bool shareable = sharing == ViewSharing::kShared && !virtual_tables_.contains(table_name) &&
                         config.group_by_depth.value_or(0) == 0;
  if (shareable) {
    for (const auto& [other, entry] : views_) {
      if (entry.shared && entry.table == table_name && entry.config == config && other != name) {
        views_[name] = ViewEntry{entry.view, table_name, std::move(config), true, false};
        return Status::ok();
      }
    }
  }
  PX_ASSIGN_OR_RETURN(std::unique_ptr<View> view, make_view(table_name, config));
  views_[name] = ViewEntry{std::shared_ptr<View>(std::move(view)), table_name, std::move(config),
                           shareable, false};
  return Status::ok();
}

size_t Engine::num_underlying_views() const {
  absl::flat_hash_set<const View*> distinct;
  for (const auto& [name, entry] : views_) distinct.insert(entry.view.get());
  return distinct.size();
}

Status Engine::delete_view(const std::string& name) {
  // The underlying view lives on while other names share it.
  if (views_.erase(name) == 0) return Status::not_found("no view named '{}'", name);
  subscriptions_.erase(name);
  return Status::ok();
}

Result<Engine::ViewEntry*> Engine::find_view(const std::string& name) {
  auto found = views_.find(name);
  if (found == views_.end()) return Status::not_found("no view named '{}'", name);
  return &found->second;
}

Result<View*> Engine::own_view(const std::string& name) {
  PX_ASSIGN_OR_RETURN(ViewEntry * entry, find_view(name));
  if (!entry->shared) return entry->view.get();
  entry->shared = false;
  // Alone on it: it stays this name's, and no later view joins it.
  if (entry->view.use_count() == 1) return entry->view.get();
  // Still shared: a view of its own, made afresh from the same config, reads as the shared
  // one does (both read as a fresh view of the table), so the client's rows keep their
  // numbers; the others keep the shared one, untouched.
  PX_ASSIGN_OR_RETURN(std::unique_ptr<View> fork, make_view(entry->table, entry->config));
  fork->refresh();
  if (entry->tracks) fork->track_changes();
  entry->view = std::shared_ptr<View>(std::move(fork));
  return entry->view.get();
}

Result<const View*> Engine::view(const std::string& name) {
  PX_ASSIGN_OR_RETURN(ViewEntry * entry, find_view(name));
  entry->view->refresh();
  return static_cast<const View*>(entry->view.get());
}

Result<View*> Engine::view_for_testing(const std::string& name) {
  return own_view(name);
}

Status Engine::track_changes(const std::string& name) {
  // Tracking only adds what ROW-mode deltas read (read_changed): a shared view tracks for
  // every name on it, and a fork of this name tracks again.
  PX_ASSIGN_OR_RETURN(ViewEntry * entry, find_view(name));
  entry->tracks = true;
  entry->view->track_changes();
  return Status::ok();
}

Result<int64_t> Engine::expand(const std::string& name, size_t row) {
  PX_ASSIGN_OR_RETURN(View * view, own_view(name));
  return view->expand(row);
}

Result<int64_t> Engine::collapse(const std::string& name, size_t row) {
  PX_ASSIGN_OR_RETURN(View * view, own_view(name));
  return view->collapse(row);
}

Status Engine::set_depth(const std::string& name, size_t depth) {
  PX_ASSIGN_OR_RETURN(View * view, own_view(name));
  return view->set_depth(depth);
}

Result<uint64_t> Engine::on_update(const std::string& view_name, ViewUpdateCallback callback) {
  PX_RETURN_IF_ERROR(find_view(view_name).status());
  const uint64_t id = next_subscription_++;
  subscriptions_[view_name].push_back({id, std::move(callback)});
  return id;
}

Status Engine::remove_update(const std::string& view_name, uint64_t id) {
  auto found = subscriptions_.find(view_name);
  if (found != subscriptions_.end() &&
      std::erase_if(found->second, [&](const Subscription& s) { return s.id == id; }) > 0) {
    return Status::ok();
  }
  return Status::not_found("view '{}' has no on_update subscription {}", view_name, id);
}

Result<ExpressionValidation> Engine::validate_expressions(
    const std::string& table_name,
    const std::vector<std::pair<std::string, std::string>>& expressions) const {
  PX_ASSIGN_OR_RETURN(const Table* source, table(table_name));
  return parallax::validate_expressions(source->schema(), expressions);
}

std::vector<Field> view_expression_schema(const View& view) {
  std::vector<Field> fields = view.expression_schema();
  const std::vector<Field> shown = view.schema();
  for (auto& field : fields) {
    for (const auto& column : shown) {
      if (column.name == field.name) field.type = column.type;
    }
  }
  return fields;
}

ViewDimensions view_dimensions(const View& view) {
  return ViewDimensions{view.num_table_rows(), view.table().schema().size(), view.num_rows(),
                        view.num_columns()};
}

Result<std::vector<Field>> Engine::expression_schema(const std::string& view_name) {
  PX_ASSIGN_OR_RETURN(const View* found, view(view_name));
  return view_expression_schema(*found);
}

Result<ViewDimensions> Engine::dimensions(const std::string& view_name) {
  PX_ASSIGN_OR_RETURN(const View* found, view(view_name));
  return view_dimensions(*found);
}

Status Engine::notify(const std::string& table, Result<ChangeSet> changes) {
  PX_RETURN_IF_ERROR(changes.status());
  if (changes->empty()) return Status::ok();
  // Views follow the change first (expression columns recompute the changed rows); those
  // with subscribers refresh now, as their callbacks read them. The others refresh when next
  // read, so a run of changes nobody reads costs at most one rebuild.
  // A view shared by several names follows once. Views share nothing but the table, which
  // following and refreshing only read (every cache a view fills is its own), so they follow
  // on the engine's task pool, a view a task: the same views whatever the threads (a build
  // inside a task runs on that task's thread alone, TaskPool::run).
  std::vector<std::pair<View*, bool>> followers;  // view, whether to refresh it now
  absl::flat_hash_map<View*, size_t> follower_of;
  for (auto& [view_name, entry] : views_) {
    if (entry.table != table) continue;
    auto [found, added] = follower_of.try_emplace(entry.view.get(), followers.size());
    if (added) followers.emplace_back(entry.view.get(), false);
    if (subscriptions_.contains(view_name)) followers[found->second].second = true;
  }
  // (A clear or replace rebuilds every view: each build spreads over the whole pool instead.)
  const bool spread = followers.size() > 1 && !changes->cleared;
  TaskPool::run_on(spread ? &task_pool() : nullptr, followers.size(), [&](size_t i) {
    followers[i].first->table_changed(*changes);
    if (followers[i].second) followers[i].first->refresh();
  });
  if (auto watchers = table_watchers_.find(table); watchers != table_watchers_.end()) {
    const Table& changed = *tables_.at(table);
    const auto copies = watchers->second;  // a callback may unsubscribe
    for (const auto& [id, callback] : copies) callback(changed, *changes);
  }
  if (subscriptions_.empty()) return Status::ok();
  // Callbacks may subscribe, unsubscribe or delete views, so they run from a copy.
  std::vector<std::pair<std::string, ViewUpdateCallback>> callbacks;
  for (const auto& [view_name, subscribers] : subscriptions_) {
    if (views_.at(view_name).table != table) continue;
    for (const auto& subscription : subscribers)
      callbacks.emplace_back(view_name, subscription.callback);
  }
  for (const auto& [view_name, callback] : callbacks) callback({view_name, *changes});
  return Status::ok();
}

Result<uint64_t> Engine::on_table_change(const std::string& name, TableChangeCallback callback) {
  PX_RETURN_IF_ERROR(table(name).status());
  const uint64_t id = next_subscription_++;
  table_watchers_[name].emplace_back(id, std::move(callback));
  return id;
}

void Engine::remove_table_change(const std::string& name, uint64_t id) {
  auto found = table_watchers_.find(name);
  if (found == table_watchers_.end()) return;
  std::erase_if(found->second, [id](const auto& watcher) { return watcher.first == id; });
}

}  // namespace parallax
