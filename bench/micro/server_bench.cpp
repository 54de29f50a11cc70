// The server's share of answering the viewer, without the network: protocol requests handled
// by server::ProtocolHandler on an engine holding 1M generated orders, answers written to a
// link that only counts bytes. The viewer's typical requests: a 100-row x 20-column viewport of
// a grouped view (to_columns_string and to_arrow), and a one-row update followed by the
// notification and the viewport read it triggers, for a plain and a ROW-mode subscription.
#include <benchmark/benchmark.h>

#include "orders_fixture.h"
#include "server/protocol_handler.h"

namespace parallax::bench {
namespace {

namespace proto = ::perspective::proto;

class CountingLink final : public server::ClientLink {
 public:
  uint64_t client_id() const override { return 1; }
  void send(std::string message) override {
    ++messages;
    bytes += message.size();
  }
  void send_notification(uint64_t, std::string message) override { send(std::move(message)); }
  size_t bytes = 0, messages = 0;
};

// group_by product (1,000 groups), split_by region (8): 24 data columns.
proto::Request make_view_request() {
  proto::Request request;
  request.set_msg_id(1);
  request.set_entity_id("t");
  auto* make = request.mutable_table_make_view_req();
  make->set_view_id("v");
  auto* config = make->mutable_config();
  config->add_group_by("product");
  config->add_split_by("region");
  for (const char* name : {"qty", "price", "customer"}) {
    config->mutable_columns()->mutable_columns()->add_columns(name);
  }
  return request;
}

proto::ViewPort viewport_100x20() {
  proto::ViewPort viewport;
  viewport.set_start_row(0);
  viewport.set_end_row(100);
  viewport.set_start_col(0);
  viewport.set_end_col(20);
  return viewport;
}

proto::Request viewport_request(bool arrow) {
  proto::Request request;
  request.set_msg_id(2);
  request.set_entity_id("v");
  if (arrow) {
    *request.mutable_view_to_arrow_req()->mutable_viewport() = viewport_100x20();
  } else {
    *request.mutable_view_to_columns_string_req()->mutable_viewport() = viewport_100x20();
  }
  return request;
}

struct Served {
  std::unique_ptr<Engine> engine = orders_engine(bench_rows(), true);
  std::shared_ptr<CountingLink> link = std::make_shared<CountingLink>();
  server::ProtocolHandler handler{*engine, {}};
  Served() { handler.handle(link, make_view_request()); }
};

// The viewport of an up-to-date view: what every scroll or redraw of the grid asks.
void BM_ServerGroupedViewport(benchmark::State& state, bool arrow) {
  Served served;
  const proto::Request request = viewport_request(arrow);
  served.handler.handle(served.link, request);  // the view's first read builds its groups
  for (auto _ : state) served.handler.handle(served.link, request);
  state.counters["bytes/answer"] =
      static_cast<double>(served.link->bytes) / static_cast<double>(state.iterations() + 2);
}
BENCHMARK_CAPTURE(BM_ServerGroupedViewport, columns_string, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ServerGroupedViewport, arrow, true)->Unit(benchmark::kMicrosecond);

// One-row update through the protocol, its on_update notification, then the viewport read the
// viewer makes on hearing it: the server's part of update-to-screen latency.
void BM_ServerUpdateToNotification(benchmark::State& state, bool row_mode) {
  Served served;
  proto::Request subscribe;
  subscribe.set_msg_id(3);
  subscribe.set_entity_id("v");
  auto* on_update = subscribe.mutable_view_on_update_req();
  if (row_mode) on_update->set_mode(proto::ViewOnUpdateReq::ROW);
  const proto::Request read = viewport_request(false);
  served.handler.handle(served.link, read);
  served.handler.handle(served.link, subscribe);
  served.link->messages = 0;
  proto::Request update;
  update.set_msg_id(4);
  update.set_entity_id("t");
  size_t i = 0;
  for (auto _ : state) {
    update.mutable_table_update_req()->mutable_data()->set_from_csv(
        one_row_update_csv((i * 997) % bench_rows(), 1.5 + static_cast<double>(i % 1000), 3));
    ++i;
    served.handler.handle(served.link, update);
    served.handler.handle(served.link, read);
  }
  // Three messages per iteration: the update's answer, the notification, the read's answer.
  state.counters["messages/iteration"] =
      static_cast<double>(served.link->messages) / static_cast<double>(state.iterations());
}
BENCHMARK_CAPTURE(BM_ServerUpdateToNotification, plain, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ServerUpdateToNotification, row_mode, true)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parallax::bench
