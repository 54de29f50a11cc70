// libFuzzer target: any bytes as what clients send to `parallax serve`: the input is split
// at kSeparator into websocket messages, each parsed as a Perspective Request as the session
// does and handled by the ProtocolHandler on an engine that hosts a small table "orders"
// (protocol_orders.csv) (so a request reaches tables, views, expressions, updates and
// notifications). The first byte of each message picks one of two clients; both disconnect at the
// end. Every answer must be a valid Response; an error is fine, a crash, a hang or a leak is not.
// Seeds are requests recorded from the reference's own client (record_requests.mjs).
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "api/engine.h"
#include "fuzz_common.h"
#include "perspective.pb.h"
#include "server/protocol_handler.h"

namespace {

namespace proto = ::perspective::proto;

constexpr std::string_view kSeparator = "\xfe\xed\xfa\xce";

class FuzzClient : public parallax::server::ClientLink {
 public:
  explicit FuzzClient(uint64_t id) : id_(id) {}
  uint64_t client_id() const override { return id_; }
  void send(std::string message) override { check(message); }
  void send_notification(uint64_t, std::string message) override { check(message); }

 private:
  static void check(const std::string& message) {
    proto::Response response;
    if (!response.ParseFromString(message)) __builtin_trap();
  }
  uint64_t id_;
};

std::string read_file(const char* path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<std::string_view> split(std::string_view input) {
  std::vector<std::string_view> parts;
  for (size_t at; (at = input.find(kSeparator)) != std::string_view::npos;) {
    parts.push_back(input.substr(0, at));
    input.remove_prefix(at + kSeparator.size());
  }
  parts.push_back(input);
  return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parallax;
  // One engine and handler for the whole run (the handler probes the engine's features
  // when made, which would take most of each input's time); each input starts from the
  // same state: its clients disconnected, their tables gone, "orders" as it was.
  static const TableData orders{read_file(PROTOCOL_ORDERS_CSV), DataFormat::kCsv};
  static Engine engine;
  static auto make_orders = [] {
    TableOptions options;
    options.index = "order_id";
    if (!engine.create_table("orders", orders, options).is_ok()) __builtin_trap();
  };
  static server::ProtocolHandler* handler = [] {
    google::protobuf::SetLogHandler(nullptr);  // a string field that is not UTF-8 is logged
    make_orders();
    return new server::ProtocolHandler(engine, server::HandlerOptions{});
  }();
  const std::shared_ptr<server::ClientLink> clients[] = {std::make_shared<FuzzClient>(1),
                                                         std::make_shared<FuzzClient>(2)};
  for (std::string_view message : split(fuzz::as_text(data, size))) {
    if (message.empty()) continue;
    const auto& client = clients[static_cast<uint8_t>(message[0]) & 1];
    message.remove_prefix(1);
    proto::Request request;
    if (!request.ParseFromArray(message.data(), static_cast<int>(message.size()))) continue;
    handler->handle(client, request);
  }
  handler->disconnect(1);
  handler->disconnect(2);
  // A client's views go with it, so every table can be deleted now (a client may have
  // deleted or remade "orders" too), and "orders" made again.
  for (const auto& name : engine.table_names()) {
    if (const Status deleted = engine.delete_table(name); !deleted.is_ok()) {
      std::fprintf(stderr, "table '%s' outlives its clients: %s\n", name.c_str(),
                   deleted.message().c_str());
      __builtin_trap();
    }
  }
  make_orders();
  return 0;
}
