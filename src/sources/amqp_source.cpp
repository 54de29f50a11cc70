#include "sources/amqp_source.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <memory>

#include "sources/broker_url.h"

namespace parallax {

namespace {

constexpr amqp_channel_t kChannel = 1;

std::string reply_text(const amqp_rpc_reply_t& reply) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "";
    case AMQP_RESPONSE_NONE:
      return "no reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(reply.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* close = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
        return fmt::format("connection closed: {}",
                           std::string_view(static_cast<const char*>(close->reply_text.bytes),
                                            close->reply_text.len));
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* close = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
        return fmt::format("channel closed: {}",
                           std::string_view(static_cast<const char*>(close->reply_text.bytes),
                                            close->reply_text.len));
      }
      return "server error";
  }
  return "unknown reply";
}

struct Connection {
  amqp_connection_state_t state = amqp_new_connection();
  ~Connection() {
    amqp_connection_close(state, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(state);
  }
};

amqp_bytes_t bytes_of(const std::string& text) {
  return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

// Opens, logs in, and consumes the queue; an error says why.
Result<std::unique_ptr<Connection>> open(const BrokerUrl& url, const AmqpSettings& settings) {
  auto connection = std::make_unique<Connection>();
  amqp_socket_t* socket = amqp_tcp_socket_new(connection->state);
  if (socket == nullptr) return Status::invalid("cannot make a socket");
  // Every wait has an end (librabbitmq's calls cannot be interrupted, and its remote calls
  // wait forever by default): a broker that stops answering cannot hold a stop longer.
  const auto ms = settings.connect_timeout.count();
  timeval timeout{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
  amqp_set_handshake_timeout(connection->state, &timeout);
  amqp_set_rpc_timeout(connection->state, &timeout);
  if (const int opened = amqp_socket_open_noblock(socket, url.host.c_str(), url.port, &timeout);
      opened != AMQP_STATUS_OK) {
    return Status::invalid("{}", amqp_error_string2(opened));
  }
  const std::string vhost = url.path.empty() ? "/" : url.path;
  const std::string user = url.user.empty() ? "guest" : url.user;
  const std::string password = url.user.empty() ? "guest" : url.password;
  amqp_rpc_reply_t reply = amqp_login(connection->state, vhost.c_str(), 0, 131072, 30,
                                      AMQP_SASL_METHOD_PLAIN, user.c_str(), password.c_str());
  if (reply.reply_type != AMQP_RESPONSE_NORMAL)
    return Status::invalid("login: {}", reply_text(reply));
  amqp_channel_open(connection->state, kChannel);
  reply = amqp_get_rpc_reply(connection->state);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL)
    return Status::invalid("channel: {}", reply_text(reply));
  if (settings.declare) {
    amqp_queue_declare(connection->state, kChannel, bytes_of(settings.queue), 0, /*durable=*/1, 0,
                       0, amqp_empty_table);
    reply = amqp_get_rpc_reply(connection->state);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL)
      return Status::invalid("declaring queue '{}': {}", settings.queue, reply_text(reply));
  }
  amqp_basic_qos(connection->state, kChannel, 0,
                 static_cast<uint16_t>(std::min(settings.prefetch, 65535)), 0);
  reply = amqp_get_rpc_reply(connection->state);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL)
    return Status::invalid("qos: {}", reply_text(reply));
  amqp_basic_consume(connection->state, kChannel, bytes_of(settings.queue), amqp_empty_bytes, 0,
                     /*no_ack=*/0, 0, amqp_empty_table);
  reply = amqp_get_rpc_reply(connection->state);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL)
    return Status::invalid("consuming queue '{}': {}", settings.queue, reply_text(reply));
  return connection;
}

}  // namespace

void AmqpSource::run(SourceSink& sink) {
  auto url = parse_broker_url(settings_.url, "amqp", 5672);
  if (!url.is_ok()) {
    sink.set_state("failed", url.status().message());
    return;
  }
  const std::string where = fmt::format("AMQP broker {}:{}", url->host, url->port);
  Backoff backoff(settings_.reconnect_min, settings_.reconnect_max);
  uint64_t generation = 0;
  sink.set_state("connecting", "");
  while (!stop_.requested()) {
    auto opened = open(*url, settings_);
    if (!opened.is_ok()) {
      sink.set_state("reconnecting",
                     fmt::format("cannot consume from {}: {}", where, opened.status().message()));
      stop_.sleep_for(backoff.next());
      continue;
    }
    ++generation;
    backoff.reset();
    sink.set_state("ok", "");
    Connection& connection = **opened;
    std::string lost;
    // Acknowledges (or rejects) what the table settled since the last call.
    const auto send_settlements = [&] {
      std::vector<Settlement> settled_now;
      {
        std::lock_guard<std::mutex> lock(settlements_->mutex);
        settled_now.swap(settlements_->pending);
      }
      for (const Settlement& settled : settled_now) {
        if (settled.connection != generation) continue;  // redelivered on this connection
        const int sent = settled.applied
                             ? amqp_basic_ack(connection.state, kChannel, settled.delivery_tag, 0)
                             : amqp_basic_reject(connection.state, kChannel, settled.delivery_tag,
                                                 /*requeue=*/0);
        if (sent != AMQP_STATUS_OK && lost.empty()) lost = amqp_error_string2(sent);
      }
    };
    while (!stop_.requested() && lost.empty()) {
      send_settlements();
      if (!lost.empty()) break;
      // The table is behind: take no more deliveries until it catches up (acknowledgements
      // still go out above; the broker keeps the rest of the queue).
      if (!sink.has_room()) {
        stop_.sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      amqp_maybe_release_buffers(connection.state);
      amqp_envelope_t envelope;
      timeval timeout{0, 50'000};
      const amqp_rpc_reply_t reply = amqp_consume_message(connection.state, &envelope, &timeout, 0);
      if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
        SourceMessage message;
        message.bytes.assign(static_cast<const char*>(envelope.message.body.bytes),
                             envelope.message.body.len);
        message.settle = [settlements = settlements_, tag = envelope.delivery_tag,
                          generation](bool applied) {
          std::lock_guard<std::mutex> lock(settlements->mutex);
          settlements->pending.push_back({generation, tag, applied});
        };
        amqp_destroy_envelope(&envelope);
        sink.deliver(std::move(message));
      } else if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
                 reply.library_error == AMQP_STATUS_TIMEOUT) {
        continue;
      } else {
        lost = reply_text(reply);
      }
    }
    // Stopping: what was applied meanwhile is acknowledged before the connection closes (or
    // the broker would deliver it again to the next Parallax).
    if (lost.empty()) send_settlements();
    if (!lost.empty() && !stop_.requested()) {
      sink.set_state("reconnecting", fmt::format("lost {}: {}", where, lost));
      stop_.sleep_for(backoff.next());
    }
  }
}

}  // namespace parallax
