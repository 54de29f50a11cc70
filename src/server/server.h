// `parallax serve`: HTTP (the viewer's files) and the Perspective protocol on /websocket,
// over one engine. The engine has its own thread: every request and every table change
// runs there, one at a time; network threads only read, decode and write.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/engine.h"
#include "common/status.h"
#include "server/client_limits.h"
#include "server/queue_budget.h"
#include "server/virtual_lanes.h"

namespace parallax::server {

// Who may use the server (see access_policy.h).
struct AccessOptions {
  std::vector<std::string> allowed_origins;  // "https://host:port" exactly, or "*"
  std::string token;                         // empty: no authentication
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see Server::port)
  std::string web_root;  // the viewer's files (web/); empty: none
  bool lock = false;     // clients may not create, change or delete tables
  int network_threads = 2;
  size_t max_message_bytes = 256u << 20;  // one incoming websocket message
  size_t max_queued_bytes = 256u << 20;   // answers waiting to be written to one client
  // ... and to all clients together: past it, the clients furthest behind are dropped.
  size_t max_total_queued_bytes = QueueBudget::default_max_bytes();
  ClientLimits client_limits;  // views, subscriptions, tables... per client

  // Each database's workers, which run the queries of virtual tables' views off the engine
  // thread (virtual_lanes.h): threads, and requests that may wait for them.
  VirtualWorkerOptions virtual_workers;

  AccessOptions access;                     // allowed origins, token
  std::string tls_cert_file, tls_key_file;  // both set: https and wss only
};

// Whether `host` (an IP address, as --host takes) is a loopback address.
bool is_loopback_host(const std::string& host);

class Server {
 public:
  // `engine` must outlive the server; after start() only the engine thread touches it.
  Server(Engine& engine, ServerOptions options);
  ~Server();

  // Binds and starts the threads.
  Status start();
  uint16_t port() const;
  // Runs `task` on the engine thread, after the requests already queued there.
  void post_to_engine(std::function<void(Engine&)> task);
  // Starts a refresh of the virtual tables' views (their queries run on their databases'
  // workers, ProtocolHandler::refresh_virtual_tables); one still running for a table is not
  // started again.
  void refresh_virtual_tables();
  // Blocks until SIGINT or SIGTERM, then stops.
  void run_until_signal();
  void stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace parallax::server
