// Cancelling a query from another thread. The server runs virtual views' queries on database
// workers (server/database_workers.h), off the engine's thread; when the view is deleted or
// its client leaves while its query runs, the answer is no longer wanted. The worker runs the
// query inside a CancelScope over a flag the engine's thread may set; the backends look at it
// while they wait for the database, and hang up: ClickHouse's HTTP connection is closed (it
// then stops the query), PostgreSQL's query gets PQcancel. Without a scope (replay, Python,
// the tests' direct calls) nothing is ever cancelled.
#pragma once

#include <atomic>

namespace parallax {

class CancelScope {
 public:
  explicit CancelScope(const std::atomic<bool>* flag) : previous_(current_) { current_ = flag; }
  ~CancelScope() { current_ = previous_; }
  CancelScope(const CancelScope&) = delete;
  CancelScope& operator=(const CancelScope&) = delete;

  // Whether the query running on this thread is no longer wanted.
  static bool cancelled() { return current_ && current_->load(std::memory_order_relaxed); }

 private:
  const std::atomic<bool>* previous_;
  // (Per thread: each worker runs one query at a time, under its own job's flag.)
  static inline thread_local const std::atomic<bool>* current_ = nullptr;
};

}  // namespace parallax
