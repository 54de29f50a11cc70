// MQTT subscriber (libmosquitto): a persistent session (clean_session off, a fixed client id),
// so a QoS 1 or 2 subscription's messages that arrive while Parallax is away from the broker
// are kept by the broker and delivered on reconnect. Reconnects with backoff and subscribes
// again each time. libmosquitto acknowledges a message when it receives it (before the rows
// are applied): a broker restart loses nothing, a Parallax crash loses what was in memory.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "sources/source.h"

namespace parallax {

struct MqttSettings {
  std::string url = "mqtt://127.0.0.1:1883";  // mqtt://[user[:password]@]host[:port]
  std::string topic;                          // may hold + and # wildcards
  int qos = 1;
  std::string client_id;  // default parallax-TABLE
  std::chrono::milliseconds keepalive{30000};
  std::chrono::milliseconds connect_timeout{10000};  // for the broker's CONNACK
  std::chrono::milliseconds reconnect_min{250}, reconnect_max{10000};
};

class MqttSource : public ThreadedSource {
 public:
  explicit MqttSource(MqttSettings settings) : settings_(std::move(settings)) {}
  ~MqttSource() override { stop(); }

 private:
  void run(SourceSink& sink) override;
  std::vector<std::string> secrets() const override { return url_passwords(settings_.url); }

  MqttSettings settings_;
};

}  // namespace parallax
