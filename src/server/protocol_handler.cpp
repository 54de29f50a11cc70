// The protocol handler's own requests (features, hosted tables, system info), the routing of
// the others to table_requests.cpp and view_requests.cpp, and each client's subscriptions.
#include "server/protocol_handler.h"

#include <sys/resource.h>

#include <unistd.h>
#include <algorithm>
#include <fstream>

#include "server/features.h"
#include "server/protocol_request.h"

namespace parallax::server {

namespace {

using proto::Response;

// Resident and virtual memory of this process, and its CPU time, for server_system_info.
void fill_system_info(proto::ServerSystemInfoResp& info) {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  info.set_heap_size(pages_total * page);
  info.set_used_size(pages_resident * page);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const uint64_t cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000ull +
                          (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
  info.set_cpu_time(static_cast<uint32_t>(cpu_ms));
  info.set_cpu_time_epoch(static_cast<uint32_t>(time(nullptr)));
}

}  // namespace

ProtocolHandler::ProtocolHandler(Engine& engine, HandlerOptions options)
    : engine_(engine), options_(options), features_(probe_engine_features()) {
  if (options_.post_to_engine) {
    lanes_ =
        std::make_unique<VirtualLanes>(engine_, options_.virtual_workers, options_.post_to_engine);
  }
}

void ProtocolHandler::refresh_virtual_tables() {
  if (lanes_) {
    lanes_->refresh();
    return;
  }
  (void)engine_.refresh_virtual_tables();
}

void ProtocolHandler::handle(const std::shared_ptr<ClientLink>& client,
                             const proto::Request& message) {
  auto& state = clients_[client->client_id()];
  if (state.link.expired()) state.link = client;
  Request request(client, message);
  dispatch(request);
}

void ProtocolHandler::dispatch(Request& request) {
  const proto::Request& message = request.message;
  using Case = proto::Request::ClientReqCase;
  switch (message.client_req_case()) {
    case Case::kGetFeaturesReq: {
      Response out = request.response();
      // (Narrowed now: virtual tables may be hosted after the server started.)
      *out.mutable_get_features_resp() = hosted_features(features_, engine_, message.entity_id());
      request.reply(out);
      return;
    }
    case Case::kGetHostedTablesReq: {
      if (message.get_hosted_tables_req().subscribe()) {
        if (!add_subscription(request)) return;
        hosted_table_subscribers_.push_back(
            {request.client, request.client->client_id(), message.msg_id()});
        return;  // answered on each change of the list, under this msg_id
      }
      Response out = request.response();
      auto* tables = out.mutable_get_hosted_tables_resp();
      for (const auto& name : engine_.table_names()) {
        auto table = engine_.table(name);
        if (!table.is_ok()) continue;
        auto* info = tables->add_table_infos();
        info->set_entity_id(name);
        const TableOptions& options = table.value()->options();
        if (options.index) info->set_index(*options.index);
        if (options.limit) info->set_limit(*options.limit);
      }
      request.reply(out);
      return;
    }
    case Case::kRemoveHostedTablesUpdateReq:
      remove_subscriptions(request.client->client_id(),
                           erase_subscriber(hosted_table_subscribers_, request.client->client_id(),
                                            message.remove_hosted_tables_update_req().id()));
      {
        Response out = request.response();
        out.mutable_remove_hosted_tables_update_resp();
        request.reply(out);
      }
      return;
    case Case::kServerSystemInfoReq: {
      Response out = request.response();
      fill_system_info(*out.mutable_server_system_info_resp());
      request.reply(out);
      return;
    }
    case Case::kMakeTableReq:
      make_table(request);
      return;
    case Case::kTableMakePortReq:
    case Case::kTableMakeViewReq:
    case Case::kTableSchemaReq:
    case Case::kTableSizeReq:
    case Case::kTableValidateExprReq:
    case Case::kTableDeleteReq:
    case Case::kTableOnDeleteReq:
    case Case::kTableRemoveDeleteReq:
    case Case::kTableRemoveReq:
    case Case::kTableReplaceReq:
    case Case::kTableUpdateReq:
      handle_table_request(request);
      return;
    case Case::CLIENT_REQ_NOT_SET:
      request.fail(Status::invalid("the request names no operation"));
      return;
    default:
      handle_view_request(request);
      return;
  }
}

bool ProtocolHandler::add_subscription(Request& request) {
  size_t& held = clients_[request.client->client_id()].subscriptions;
  if (held >= options_.limits.subscriptions) {
    request.fail(client_limit_reached(options_.limits.subscriptions, "subscriptions per client",
                                      "--client-subscriptions"));
    return false;
  }
  ++held;
  return true;
}

void ProtocolHandler::remove_subscriptions(uint64_t client_id, size_t count) {
  auto found = clients_.find(client_id);
  if (found != clients_.end())
    found->second.subscriptions -= std::min(count, found->second.subscriptions);
}

void ProtocolHandler::disconnect(uint64_t client_id) {
  auto found = clients_.find(client_id);
  if (found != clients_.end()) {
    for (const auto& [view_id, entry] : found->second.views) {
      // (A virtual table's view's query running is cancelled; its answer goes nowhere.)
      if (entry.slot) lanes_->drop(entry.slot);
      (void)engine_.delete_view(entry.engine_name);
    }
    clients_.erase(found);
  }
  std::erase_if(hosted_table_subscribers_,
                [&](const Subscriber& s) { return s.client_id == client_id; });
  for (auto& [table, subscribers] : table_delete_subscribers_) {
    std::erase_if(subscribers, [&](const Subscriber& s) { return s.client_id == client_id; });
  }
}

void ProtocolHandler::notify_hosted_tables() {
  for (const auto& subscriber : hosted_table_subscribers_) {
    auto client = subscriber.client.lock();
    if (!client) continue;
    // The reference sends an empty response under the subscription's msg_id; the client
    // then asks for the list again.
    Response note;
    note.set_msg_id(subscriber.msg_id);
    client->send(note.SerializeAsString());
  }
}

}  // namespace parallax::server
