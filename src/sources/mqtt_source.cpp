#include "sources/mqtt_source.h"

#include <mosquitto.h>

#include <mutex>

#include "sources/broker_url.h"

namespace parallax {

namespace {

// What libmosquitto's callbacks reach (they get one user pointer).
struct Session {
  SourceSink* sink;
  const MqttSettings* settings;
  std::string where;
  bool connected = false;
};

void on_connect(mosquitto* client, void* user, int code) {
  auto& session = *static_cast<Session*>(user);
  if (code != 0) {
    session.sink->set_state("reconnecting",
                            fmt::format("{} refused the connection: {}", session.where,
                                        mosquitto_connack_string(code)));
    return;
  }
  const int subscribed =
      mosquitto_subscribe(client, nullptr, session.settings->topic.c_str(), session.settings->qos);
  if (subscribed != MOSQ_ERR_SUCCESS) {
    session.sink->set_state("reconnecting",
                            fmt::format("cannot subscribe to '{}': {}", session.settings->topic,
                                        mosquitto_strerror(subscribed)));
    mosquitto_disconnect(client);
    return;
  }
  session.connected = true;
  session.sink->set_state("ok", "");
}

void on_message(mosquitto*, void* user, const mosquitto_message* message) {
  auto& session = *static_cast<Session*>(user);
  SourceMessage delivered;
  delivered.bytes.assign(static_cast<const char*>(message->payload),
                         static_cast<size_t>(message->payloadlen));
  session.sink->deliver(std::move(delivered));
}

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

}  // namespace

void MqttSource::run(SourceSink& sink) {
  init_library_once();
  auto url = parse_broker_url(settings_.url, "mqtt,tcp", 1883);
  if (!url.is_ok()) {
    sink.set_state("failed", url.status().message());
    return;
  }
  Session session{&sink, &settings_, fmt::format("MQTT broker {}:{}", url->host, url->port)};
  std::unique_ptr<mosquitto, decltype(&mosquitto_destroy)> client(
      mosquitto_new(settings_.client_id.c_str(), /*clean_session=*/false, &session),
      mosquitto_destroy);
  if (!client) {
    sink.set_state("failed", "cannot make an MQTT client");
    return;
  }
  mosquitto_int_option(client.get(), MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  if (!url->user.empty()) {
    mosquitto_username_pw_set(client.get(), url->user.c_str(),
                              url->password.empty() ? nullptr : url->password.c_str());
  }
  mosquitto_connect_callback_set(client.get(), on_connect);
  mosquitto_message_callback_set(client.get(), on_message);
  const int keepalive = std::max<int>(5, settings_.keepalive.count() / 1000);
  Backoff backoff(settings_.reconnect_min, settings_.reconnect_max);
  sink.set_state("connecting", "");
  bool first = true;
  while (!stop_.requested()) {
    const int connected =
        first ? mosquitto_connect(client.get(), url->host.c_str(), url->port, keepalive)
              : mosquitto_reconnect(client.get());
    if (connected == MOSQ_ERR_SUCCESS) {
      first = false;
      session.connected = false;
      const auto given_up = std::chrono::steady_clock::now() + settings_.connect_timeout;
      // Runs the callbacks; ends when the connection does.
      while (!stop_.requested()) {
        // A server that accepts the connection and never acknowledges it is not a broker.
        if (!session.connected && std::chrono::steady_clock::now() >= given_up) {
          sink.set_state("reconnecting",
                         fmt::format("no answer from {} within {} ms", session.where,
                                     settings_.connect_timeout.count()));
          break;
        }
        // The table is behind: read no more (the broker queues for this session) until it
        // catches up.
        if (session.connected && !sink.has_room()) {
          stop_.sleep_for(std::chrono::milliseconds(20));
          continue;
        }
        const int looped = mosquitto_loop(client.get(), 100, 1);
        if (looped != MOSQ_ERR_SUCCESS) {
          if (!stop_.requested()) {
            sink.set_state("reconnecting",
                           fmt::format("lost {}: {}", session.where, mosquitto_strerror(looped)));
          }
          break;
        }
        if (session.connected) backoff.reset();
      }
    } else {
      sink.set_state("reconnecting", fmt::format("cannot reach {}: {}", session.where,
                                                 mosquitto_strerror(connected)));
    }
    if (stop_.requested()) break;
    stop_.sleep_for(backoff.next());
  }
  mosquitto_disconnect(client.get());
}

}  // namespace parallax
