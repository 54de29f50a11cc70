// The threads that run one database's queries for the server, off the engine's thread
// (docs/virtual-tables.md, "Off the engine's thread"): a slow query (a first screen over 100M
// rows takes 30-90 s) then holds one worker, not every client and table of the server.
// - A fixed number of threads per database, made once (never a thread per query: the
//   database's connections, and ours, stay bounded).
// - A bound on the jobs waiting: past it a request is refused with a clear error instead of
//   queueing without end behind a slow database.
// - Lanes: the jobs of one lane (one view's requests) run one at a time and in the order they
//   were queued, so a view is touched by one thread at a time and its answers leave in order;
//   jobs of different lanes run side by side.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"

namespace parallax::server {

class DatabaseWorkers {
 public:
  struct Lane;

  // `database` names it in errors (a URL, never holding a password).
  DatabaseWorkers(std::string database, size_t threads, size_t max_waiting);
  // Waits for the jobs running (cancel them first: query_cancel.h); those waiting are dropped.
  ~DatabaseWorkers();
  DatabaseWorkers(const DatabaseWorkers&) = delete;
  DatabaseWorkers& operator=(const DatabaseWorkers&) = delete;

  std::shared_ptr<Lane> make_lane() const;
  // Queues `job` behind the lane's other jobs. Refused past max_waiting jobs waiting, unless
  // `bounded` is false (what must follow a lane's jobs whatever the load: a view's delete).
  Status submit(const std::shared_ptr<Lane>& lane, std::function<void()> job, bool bounded = true);
  size_t waiting() const;

 private:
  void work();

  const std::string database_;
  const size_t max_waiting_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Lane>> ready_;  // lanes with a job and none running
  size_t waiting_ = 0;                       // jobs queued, not yet started
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace parallax::server
