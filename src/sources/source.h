// What every live source gives a pipeline: messages (encoded rows, or rows already typed) and
// its connection state. A source runs on its own thread from start() until stop(); a Kafka
// or other source is one more class with these two calls.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "core/row_batch.h"
#include "sources/backoff.h"

namespace parallax {

struct SourceMessage {
  std::string bytes;             // rows in the source's message format, or
  std::optional<RowBatch> rows;  // rows already typed (a query result, another table's change)
  bool snapshot = false;         // the source's whole content: supersedes earlier messages
  // Called once the rows were applied (true) or rejected (false), from any thread; brokers
  // that acknowledge (AMQP) do it here, so nothing acknowledged is lost.
  std::function<void(bool applied)> settle;
  std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();
};

class SourceSink {
 public:
  virtual ~SourceSink() = default;
  virtual void deliver(SourceMessage message) = 0;
  // "connecting", "ok", "reconnecting" or "failed", with why (empty when ok).
  virtual void set_state(const std::string& state, const std::string& detail) = 0;
  // An error that did not end the connection (a query that failed): logged and shown.
  virtual void report_error(const std::string& message) = 0;
  // False while the sink holds as many received messages as it may: a broker source then
  // reads no more (the broker keeps the rest) until this is true again. Any thread.
  virtual bool has_room() { return true; }
};

class Source {
 public:
  virtual ~Source() = default;
  // Starts the source's thread; messages and states go to `sink` until stop().
  virtual void start(SourceSink& sink) = 0;
  // Stops and joins the thread; nothing reaches the sink afterwards.
  virtual void stop() = 0;
};

// A source whose work is one loop on its own thread, until stop_ is requested. Subclasses
// call stop() in their destructors (run() uses their members).
class ThreadedSource : public Source {
 public:
  void start(SourceSink& sink) final {
    stop_.clear();
    thread_ = std::thread([this, &sink] { run(sink); });
  }
  void stop() final {
    stop_.request();
    if (thread_.joinable()) thread_.join();
  }

 protected:
  virtual void run(SourceSink& sink) = 0;
  StopSignal stop_;

 private:
  std::thread thread_;
};

}  // namespace parallax
