// `parallax serve --demo-stream`: a live feed for demos. Every interval it changes a few
// random rows of a table (numbers drift, keys stay), as a market or order feed would, so
// an open viewer shows the data moving.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "server/server.h"

namespace parallax::server {

class DemoStream {
 public:
  DemoStream(Server& server, std::string table, std::chrono::milliseconds interval,
             size_t rows_per_tick);
  ~DemoStream();

 private:
  void run();

  Server& server_;
  const std::string table_;
  const std::chrono::milliseconds interval_;
  const size_t rows_per_tick_;
  std::shared_ptr<std::mt19937_64> random_;  // used on the engine thread only
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parallax::server
