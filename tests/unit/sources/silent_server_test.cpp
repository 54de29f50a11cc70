// Sources against a server that accepts connections and never answers (a wrong port, a hung
// broker or database): each must say so in its state and stop at once when asked, since the
// server's shutdown waits for every source's thread.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "recording_sink.h"
#include "sources/amqp_source.h"
#include "sources/mqtt_source.h"
#include "sources/postgres_source.h"

namespace parallax {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Listens on a loopback port; the kernel completes connections, nobody reads or writes.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, 64), 0);
    socklen_t size = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Starts `source`, lets it wait on the silent server, then stops it: the stop must be quick.
double stop_after_waiting(Source& source, SourceSink& sink, std::chrono::milliseconds wait) {
  source.start(sink);
  std::this_thread::sleep_for(wait);
  const auto began = Clock::now();
  source.stop();
  return std::chrono::duration<double, std::milli>(Clock::now() - began).count();
}

// Starts `source` and waits for the state it reports on giving up on the silent server
// (`expected`, found by `awaited`), then stops it: the stop must be quick.
void expect_gives_up_then_stops(Source& source, const std::string& awaited,
                                const std::string& expected) {
  RecordingSink sink;
  source.start(sink);
  const std::string states = sink.wait_for(awaited, 5s);
  EXPECT_NE(states.find(expected), std::string::npos) << states;
  const auto began = Clock::now();
  source.stop();
  EXPECT_LT(Clock::now() - began, 1s);
}

TEST(SilentServer, PostgresGivesUpAndStops) {
  SilentServer server;
  PostgresSettings settings;
  settings.dsn = "host=127.0.0.1 port=" + std::to_string(server.port()) + " dbname=x user=y";
  settings.query = "SELECT 1";
  settings.connect_timeout = 300ms;
  PostgresSource source(settings);
  expect_gives_up_then_stops(source, "no answer within 300 ms",
                             "reconnecting: cannot reach PostgreSQL: no answer within 300 ms");
}

TEST(SilentServer, PostgresStopsWhileConnecting) {
  SilentServer server;
  PostgresSettings settings;
  settings.dsn = "postgresql://y@127.0.0.1:" + std::to_string(server.port()) + "/x";
  settings.query = "SELECT 1";  // the default connect timeout (10 s) is not waited for
  RecordingSink sink;
  PostgresSource source(settings);
  EXPECT_LT(stop_after_waiting(source, sink, 300ms), 1000.0);
}

TEST(SilentServer, MqttGivesUpAndStops) {
  SilentServer server;
  MqttSettings settings;
  settings.url = "mqtt://127.0.0.1:" + std::to_string(server.port());
  settings.topic = "t";
  settings.client_id = "silent-server-test";
  settings.connect_timeout = 300ms;
  MqttSource source(settings);
  expect_gives_up_then_stops(source, "no answer from",
                             "reconnecting: no answer from MQTT broker 127.0.0.1:");
}

TEST(SilentServer, AmqpStops) {
  SilentServer server;
  AmqpSettings settings;
  settings.url = "amqp://guest:guest@127.0.0.1:" + std::to_string(server.port()) + "/";
  settings.queue = "q";
  settings.connect_timeout = 300ms;
  AmqpSource source(settings);
  expect_gives_up_then_stops(source, "cannot consume",
                             "reconnecting: cannot consume from AMQP broker 127.0.0.1:");
}

}  // namespace
}  // namespace parallax
