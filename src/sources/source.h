// What every live source gives a pipeline: messages (encoded rows, or rows already typed) and
// its connection state. A source runs on its own thread from start() until stop(); a Kafka
// or other source is one more class with these two calls.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/row_batch.h"
#include "sources/backoff.h"
#include "sources/secrets.h"

namespace parallax {

struct SourceMessage {
  std::string bytes;             // rows in the source's message format, or
  std::optional<RowBatch> rows;  // rows already typed (a query result, another table's change)
  bool snapshot = false;         // the source's whole content: supersedes earlier messages
  // Where the source carries on from once these rows are applied (a query's checkpoint),
  // saved with them so a restart resumes there.
  std::optional<std::string> checkpoint;
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

// Forwards to a sink, with the secrets taken out of every state and error.
class RedactingSink : public SourceSink {
 public:
  RedactingSink(SourceSink& sink, std::vector<std::string> secrets)
      : sink_(sink), secrets_(std::move(secrets)) {}
  void deliver(SourceMessage message) override { sink_.deliver(std::move(message)); }
  void set_state(const std::string& state, const std::string& detail) override {
    sink_.set_state(state, without_secrets(detail, secrets_));
  }
  void report_error(const std::string& message) override {
    sink_.report_error(without_secrets(message, secrets_));
  }
  bool has_room() override { return sink_.has_room(); }

 private:
  SourceSink& sink_;
  std::vector<std::string> secrets_;
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
    redacting_ = std::make_unique<RedactingSink>(sink, secrets());
    thread_ = std::thread([this] { run(*redacting_); });
  }
  void stop() final {
    stop_.request();
    if (thread_.joinable()) thread_.join();
  }

 protected:
  virtual void run(SourceSink& sink) = 0;
  // What must never show in a state or error (the passwords of the source's settings).
  virtual std::vector<std::string> secrets() const { return {}; }
  StopSignal stop_;

 private:
  std::unique_ptr<RedactingSink> redacting_;
  std::thread thread_;
};

}  // namespace parallax
