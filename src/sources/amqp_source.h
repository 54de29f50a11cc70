// AMQP 0-9-1 consumer (librabbitmq, e.g. RabbitMQ): consumes a queue with manual
// acknowledgements. A message is acknowledged only after its rows were applied to the table;
// a rejected message (it does not parse or fit) is rejected without requeueing (a dead-letter
// exchange, if the queue has one, gets it). On a lost connection the broker requeues what was
// not acknowledged, and the source reconnects with backoff and consumes again.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sources/source.h"

namespace parallax {

struct AmqpSettings {
  std::string url = "amqp://guest:guest@127.0.0.1:5672/";  // amqp://user:pass@host:port/vhost
  std::string queue;
  bool declare = false;  // declare the queue (durable) if it does not exist
  int prefetch = 10000;  // unacknowledged messages the broker may send ahead
  // Connecting, logging in and each remote call: a silent broker is given up after it.
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds reconnect_min{250}, reconnect_max{10000};
};

class AmqpSource : public ThreadedSource {
 public:
  explicit AmqpSource(AmqpSettings settings) : settings_(std::move(settings)) {}
  ~AmqpSource() override { stop(); }

 private:
  struct Settlement {
    uint64_t connection;  // acknowledgements belong to the connection that delivered
    uint64_t delivery_tag;
    bool applied;
  };
  // Filled from any thread, sent by the source's (librabbitmq is not thread-safe); shared
  // with the messages' settle calls, which may outlive the source.
  struct Settlements {
    std::mutex mutex;
    std::vector<Settlement> pending;
  };
  void run(SourceSink& sink) override;
  std::vector<std::string> secrets() const override { return url_passwords(settings_.url); }

  AmqpSettings settings_;
  std::shared_ptr<Settlements> settlements_ = std::make_shared<Settlements>();
};

}  // namespace parallax
