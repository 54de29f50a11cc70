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

// Every `period`, calls `tick` (`parallax serve`: Server::refresh_virtual_tables, which
// starts a refresh of the virtual tables' views on their databases' workers; a table whose
// last refresh still runs is skipped, and failures go to stderr when they start and end).
class VirtualRefresher {
 public:
  VirtualRefresher(std::chrono::milliseconds period, std::function<void()> tick);
  ~VirtualRefresher();

 private:
  void run();
  std::chrono::milliseconds period_;
  std::function<void()> tick_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parallax
