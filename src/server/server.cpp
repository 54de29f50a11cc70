#include "server/server.h"

#include <cstdio>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "server/accept_backoff.h"
#include "server/access_policy.h"
#include "server/http_session.h"
#include "server/protocol_handler.h"
#include "server/server_context.h"
#include "server/static_files.h"
#include "server/tls_context.h"

namespace parallax::server {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Server::State {
  State(Engine& engine, ServerOptions options)
      : engine(engine),
        options(std::move(options)),
        queue_budget(this->options.max_total_queued_bytes),
        handler(engine, HandlerOptions{this->options.lock, this->options.client_limits,
                                       [this](std::function<void()> task) {
                                         asio::post(engine_io, std::move(task));
                                       },
                                       this->options.virtual_workers}),
        context{engine_io,
                handler,
                {this->options.max_message_bytes, this->options.max_queued_bytes},
                queue_budget,
                {}},
        acceptor(network_io) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(network_io),
                          [this](boost::system::error_code error, tcp::socket socket) {
                            if (error == asio::error::operation_aborted) return;
                            if (error) return accept_later(accept_backoff.after_error(error));
                            accept_backoff.after_success();
                            std::make_shared<HttpSession>(std::move(socket), context)->start();
                            accept();
                          });
  }
  void accept_later(std::chrono::milliseconds delay) {
    accept_timer.expires_after(delay);
    accept_timer.async_wait([this](boost::system::error_code error) {
      if (!error && acceptor.is_open()) accept();
    });
  }

  Engine& engine;
  ServerOptions options;
  QueueBudget queue_budget;  // before network_io: the sessions it destroys leave the budget
  // network_io is declared first so that it is destroyed last: engine_io's unrun handlers
  // (a closing session's disconnect) own sessions whose sockets still need network_io.
  asio::io_context network_io;
  asio::io_context engine_io{1};
  ProtocolHandler handler;
  ServerContext context;
  tcp::acceptor acceptor;
  std::optional<WebRoot> web;
  AccessPolicy access;
  std::unique_ptr<asio::ssl::context> tls;
  AcceptBackoff accept_backoff;  // only the one pending accept (or its timer) touches these
  asio::steady_timer accept_timer{network_io};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> engine_work;
  std::vector<std::thread> threads;
  bool stopped = false;
  // Caught from start() on: a SIGTERM right after the address is printed still stops cleanly.
  asio::io_context signals_io;
  std::optional<asio::signal_set> signals;
};

bool is_loopback_host(const std::string& host) {
  boost::system::error_code error;
  const auto address = asio::ip::make_address(host, error);
  return !error && address.is_loopback();
}

Server::Server(Engine& engine, ServerOptions options)
    : state_(std::make_unique<State>(engine, std::move(options))) {}

Server::~Server() {
  stop();
}

Status Server::start() {
  State& s = *state_;
  boost::system::error_code error;
  const auto address = asio::ip::make_address(s.options.host, error);
  if (error) return Status::invalid("bad --host '{}': {}", s.options.host, error.message());
  const bool tls = !s.options.tls_cert_file.empty() || !s.options.tls_key_file.empty();
  if (tls) {
    if (s.options.tls_cert_file.empty() || s.options.tls_key_file.empty()) {
      return Status::invalid("TLS needs both --tls-cert and --tls-key");
    }
    PX_ASSIGN_OR_RETURN(s.tls, make_tls_context(s.options.tls_cert_file, s.options.tls_key_file));
  }
  PX_ASSIGN_OR_RETURN(s.access, AccessPolicy::create(s.options.access, tls, address.is_loopback()));
  if (!s.options.web_root.empty()) {
    auto web = WebRoot::open(s.options.web_root);
    if (!web.is_ok()) return web.status();
    s.web.emplace(std::move(web).value());
    s.context.web = &*s.web;
  }
  s.context.access = &s.access;
  s.context.tls = s.tls.get();
  const tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), error);
  if (!error) s.acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) s.acceptor.bind(endpoint, error);
  if (!error) s.acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Status::invalid("cannot listen on {}:{}: {}", s.options.host, s.options.port,
                           error.message());
  }
  s.access.set_port(s.acceptor.local_endpoint(error).port());
  s.signals.emplace(s.signals_io, SIGINT, SIGTERM);
  s.signals->async_wait([](boost::system::error_code, int) {});
  s.accept();
  s.engine_work.emplace(s.engine_io.get_executor());
  s.threads.emplace_back([&s] { s.engine_io.run(); });
  for (int i = 0; i < std::max(1, s.options.network_threads); ++i) {
    s.threads.emplace_back([&s] { s.network_io.run(); });
  }
  return Status::ok();
}

uint16_t Server::port() const {
  boost::system::error_code error;
  return state_->acceptor.local_endpoint(error).port();
}

void Server::post_to_engine(std::function<void(Engine&)> task) {
  asio::post(state_->engine_io, [this, task = std::move(task)] { task(state_->engine); });
}

void Server::refresh_virtual_tables() {
  asio::post(state_->engine_io, [this] { state_->handler.refresh_virtual_tables(); });
}

void Server::run_until_signal() {
  state_->signals_io.run();
  stop();
}

void Server::stop() {
  State& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  boost::system::error_code ignored;
  s.acceptor.close(ignored);
  s.network_io.stop();
  s.engine_work.reset();
  s.engine_io.stop();
  for (auto& thread : s.threads) thread.join();
  s.threads.clear();
}

}  // namespace parallax::server
