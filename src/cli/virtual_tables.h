// `parallax serve --virtual URL`: every table of a ClickHouse or PostgreSQL database hosted
// as a virtual table, and a thread that has their views rerun every refresh period.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/engine.h"
#include "common/status.h"
#include "virtual/backend.h"

namespace parallax {

// Hosts every table of the database at `url` in `engine`, named after it (prefixed with
// the database's name, "sales.orders", when the name is taken); answers how many.
// The password comes from `password_file` (its first line) or the environment
// (virtual/credentials.h: $PARALLAX_CLICKHOUSE_PASSWORD, PGPASSWORD, ...).
Result<size_t> host_virtual_database(Engine& engine, const std::string& url,
                                     const std::optional<std::string>& password_file,
                                     BackendOptions options);

// Every `period`, posts a refresh of the virtual tables' views to the engine's thread (one
// at a time: periods that pass while one runs are skipped). Failures are logged on stderr
// when they start and when they end.
class VirtualRefresher {
 public:
  using Post = std::function<void(std::function<void(Engine&)>)>;
  VirtualRefresher(std::chrono::milliseconds period, Post post);
  ~VirtualRefresher();

 private:
  void run();
  std::chrono::milliseconds period_;
  Post post_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> running_{false};
  std::string last_failure_;  // engine thread only
  std::thread thread_;
};

}  // namespace parallax
