// The server side of the Perspective 3.8 protocol: every Request kind, answered from the
// engine. Runs on the engine's own thread only (the server posts every request there), so
// requests and table updates are applied one at a time and no request ever sees a
// half-applied update. Answers and notifications leave through each client's ClientLink,
// which queues them without blocking.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/engine.h"
#include "perspective.pb.h"
#include "server/client_limits.h"
#include "server/client_link.h"
#include "server/virtual_lanes.h"

namespace parallax::server {

struct HandlerOptions {
  bool lock = false;  // clients may read tables but not create, change or delete them
  ClientLimits limits;
  // Runs a task on the engine's thread (the server's). Set, the views of virtual tables run
  // their queries on database workers and answer from there (virtual_lanes.h); unset
  // (Python's handlers, which have no engine thread), where the request is handled.
  VirtualLanes::Post post_to_engine;
  VirtualWorkerOptions virtual_workers;
};

class ProtocolHandler {
 public:
  ProtocolHandler(Engine& engine, HandlerOptions options);

  void handle(const std::shared_ptr<ClientLink>& client,
              const ::perspective::proto::Request& request);
  // A client went away: its views and subscriptions go with it.
  void disconnect(uint64_t client_id);
  // Tables were made or deleted past the protocol (by the engine's owner, e.g. from
  // Python): the hosted-tables subscribers hear of it as of a client's change.
  void tables_changed() { notify_hosted_tables(); }
  // Starts a refresh of the virtual tables' views on their databases' workers (with
  // post_to_engine; VirtualLanes::refresh), or runs Engine::refresh_virtual_tables here.
  void refresh_virtual_tables();
  // A table was deleted past the protocol (from Python): its on_delete subscribers hear of it.
  void table_deleted(const std::string& name);

 private:
  struct Subscriber {
    std::weak_ptr<ClientLink> client;
    uint64_t client_id;
    uint32_t msg_id;
  };
  struct ClientView {
    std::string engine_name;  // views are private to their client: "<client>/<view id>"
    std::string table;
    std::map<uint32_t, uint64_t> updates;  // on_update msg_id -> engine subscription
    std::vector<uint32_t> on_delete;       // view_on_delete msg_ids
    std::shared_ptr<VirtualSlot> slot;     // a virtual table's view: its lane (virtual_lanes.h)
  };
  struct ClientState {
    std::weak_ptr<ClientLink> link;
    std::map<std::string, ClientView> views;  // by the client's view id
    size_t subscriptions = 0;                 // of every kind, for limits.subscriptions
    size_t ports = 0;
    std::set<std::string> tables;  // made by this client (some may since have been deleted)
  };
  class Request;

  void dispatch(Request& request);
  void handle_table_request(Request& request);
  void handle_view_request(Request& request);

  void make_table(Request& request);
  void delete_table(Request& request);
  void make_view(Request& request);
  void delete_view(Request& request, ClientState& state, const std::string& view_id);
  void subscribe_updates(Request& request, ClientView& view);
  // Views of virtual tables, on their databases' workers (virtual_requests.cpp).
  void make_virtual_view(Request& request, const std::string& view_id,
                         const std::string& engine_name, ViewConfig config);
  void handle_virtual_view_request(Request& request, ClientView& view);
  void virtual_table_size(Request& request);
  // Fails `request` when the client holds limits.subscriptions already; else counts one more.
  bool add_subscription(Request& request);
  void remove_subscriptions(uint64_t client_id, size_t count);

  // Tells the hosted-tables subscribers that the list changed.
  void notify_hosted_tables();
  uint32_t next_port(const std::string& table);

  Engine& engine_;
  HandlerOptions options_;
  ::perspective::proto::GetFeaturesResp features_;
  std::map<uint64_t, ClientState> clients_;
  std::vector<Subscriber> hosted_table_subscribers_;
  std::map<std::string, std::vector<Subscriber>> table_delete_subscribers_;
  std::map<std::string, uint32_t> ports_;  // last port handed out per table
  uint32_t current_port_ = 0;              // the port of the update being applied
  // Last: destroyed first, it cancels the queries running and waits for its workers, whose
  // jobs hold the handler.
  std::unique_ptr<VirtualLanes> lanes_;  // null without post_to_engine
};

}  // namespace parallax::server
