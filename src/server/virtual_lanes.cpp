#include "server/virtual_lanes.h"

#include <cstdio>
#include <mutex>
#include <vector>

#include "virtual/query_cancel.h"

namespace parallax::server {

// One table's refresh: its views' reruns, each on its own lane, meet here.
struct VirtualLanes::Round {
  std::string table;
  std::shared_ptr<const VirtualTable> source;
  size_t pending = 0;            // engine thread: reruns not yet answered
  std::vector<Status> failures;  // engine thread
  std::mutex mutex;              // (workers) guards down
  // The database found unreachable this round: the views not yet rerun fail with this error
  // without asking it (each would wait out the timeout).
  std::optional<Status> down;
};

VirtualLanes::VirtualLanes(Engine& engine, VirtualWorkerOptions options, Post post)
    : engine_(engine), options_(options), post_(std::move(post)) {}

VirtualLanes::~VirtualLanes() {
  for (auto& [raw, weak] : live_) {
    if (auto slot = weak.lock()) slot->dropped = true;
  }
  workers_.clear();  // joins each database's threads, their queries cancelled
}

DatabaseWorkers& VirtualLanes::workers_for(const VirtualTable& table) {
  auto& workers = workers_[&table.backend()];
  if (!workers) {
    workers = std::make_unique<DatabaseWorkers>(table.backend().url(), options_.threads,
                                                options_.max_waiting);
  }
  return *workers;
}

std::shared_ptr<VirtualSlot> VirtualLanes::make_slot(const std::string& table,
                                                     const std::string& engine_name) {
  auto slot = std::make_shared<VirtualSlot>();
  slot->engine_name = engine_name;
  slot->table = table;
  slot->source = engine_.shared_virtual_table(table);
  slot->workers = &workers_for(*slot->source);
  slot->lane = slot->workers->make_lane();
  live_[slot.get()] = slot;
  return slot;
}

Status VirtualLanes::run(const std::shared_ptr<VirtualSlot>& slot,
                         std::function<Then(VirtualSlot&)> job, bool bounded) {
  return slot->workers->submit(
      slot->lane,
      [this, slot, job = std::move(job)] {
        Then then;
        {
          CancelScope scope(&slot->dropped);
          then = job(*slot);
        }
        if (then) post_(std::move(then));
      },
      bounded);
}

Status VirtualLanes::run_for_table(const std::string& table, std::function<Then()> job) {
  auto source = engine_.shared_virtual_table(table);
  if (!source) return Status::not_found("no virtual table named '{}'", table);
  DatabaseWorkers& workers = workers_for(*source);
  return workers.submit(workers.make_lane(), [this, source, job = std::move(job)] {
    if (Then then = job()) post_(std::move(then));
  });
}

void VirtualLanes::adopted(const std::shared_ptr<VirtualSlot>& slot) {
  slot->adopted = true;
  adopted_[slot->engine_name] = slot;
}

void VirtualLanes::drop(const std::shared_ptr<VirtualSlot>& slot) {
  slot->dropped = true;
  live_.erase(slot.get());
  if (auto found = adopted_.find(slot->engine_name);
      found != adopted_.end() && found->second == slot) {
    adopted_.erase(found);
  }
}

void VirtualLanes::refresh() {
  std::set<std::string> tables;
  for (const auto& [name, slot] : adopted_) tables.insert(slot->table);
  for (const auto& table : tables) {
    if (refreshing_.contains(table)) continue;  // conflated: the last one still runs
    auto round = std::make_shared<Round>();
    round->table = table;
    round->source = engine_.shared_virtual_table(table);
    if (!round->source) continue;
    DatabaseWorkers& workers = workers_for(*round->source);
    // The hint first (asked once per table and round, before its views rerun: a change
    // after it shows in the next hint).
    const Status queued = workers.submit(workers.make_lane(), [this, round] {
      Result<std::optional<std::string>> hint =
          round->source->backend().change_hint(round->source->source().name);
      post_([this, round, hint = std::move(hint)] { rerun_views(round->table, hint, round); });
    });
    // (A database too busy to take the hint query is refreshed at a later period.)
    if (queued.is_ok()) refreshing_.insert(table);
  }
}

void VirtualLanes::rerun_views(const std::string& table,
                               const Result<std::optional<std::string>>& hint,
                               const std::shared_ptr<Round>& round) {
  const Backend& backend = round->source->backend();
  if (!hint.is_ok() && !backend.reachable()) round->down = hint.status();
  // No hint, or a refused hint query: rerun as without hints (never miss a change). A view
  // whose last rerun failed reruns whatever the hint says.
  bool same = false;
  if (hint.is_ok() && hint->has_value()) {
    auto last = hints_.find(table);
    same = last != hints_.end() && last->second == *hint.value();
    hints_[table] = *hint.value();
  } else {
    hints_.erase(table);
  }
  for (const auto& [name, slot] : adopted_) {
    if (slot->table != table) continue;
    ++round->pending;
    // Not bounded: at most one per view and round (refreshes are conflated), behind the
    // view's own requests.
    (void)run(
        slot,
        [this, round, same](VirtualSlot& s) -> Then {
          auto* view = dynamic_cast<VirtualView*>(s.view.get());
          Result<bool> rerun = false;
          if (view && !s.dropped) {
            std::optional<Status> down;
            {
              std::lock_guard lock(round->mutex);
              down = round->down;
            }
            if (down) {
              view->fail(*down);
              rerun = *down;
            } else if (!same || view->failed()) {
              rerun = view->rerun();
              if (!rerun.is_ok() && !round->source->backend().reachable()) {
                std::lock_guard lock(round->mutex);
                if (!round->down) round->down = rerun.status();
              }
            }
          }
          return [this, round, name = s.engine_name, rerun = std::move(rerun)] {
            if (!rerun.is_ok()) {
              round->failures.push_back(rerun.status());
            } else if (rerun.value() && adopted_.contains(name)) {
              engine_.notify_view(name);
            }
            if (--round->pending == 0) finish(round);
          };
        },
        /*bounded=*/false);
  }
  if (round->pending == 0) finish(round);
}

void VirtualLanes::finish(const std::shared_ptr<Round>& round) {
  refreshing_.erase(round->table);
  const std::string failure = round->failures.empty() ? "" : round->failures.front().message();
  std::string& last = last_failure_[round->table];
  if (failure == last) return;
  if (failure.empty()) {
    std::fprintf(stderr, "parallax serve: virtual table '%s' answers again\n",
                 round->table.c_str());
  } else {
    std::fprintf(stderr, "parallax serve: refreshing virtual table '%s': %s\n",
                 round->table.c_str(), failure.c_str());
  }
  last = failure;
}

}  // namespace parallax::server
