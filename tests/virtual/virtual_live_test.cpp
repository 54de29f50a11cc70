// Virtual tables stay live: Engine::refresh_virtual_tables reruns their views' queries and
// fires on_update only for views whose results changed; a database that goes away gives the
// views errors (never a crash, other tables keep answering), and they answer again, with
// what changed meanwhile, once it returns.
//
// The database "goes away" behind a loopback proxy the test owns: cut, it closes every
// connection it carries and every new one at once (what a client sees of a database that
// died or restarted); hung, it holds every connection without a byte either way (a server
// stopped dead, or a black-holing network); restored, it forwards again. Run under
// tests/virtual/db_servers.py.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "api/engine.h"
#include "api/view_config_json.h"
#include "api/view_output.h"
#include "virtual/backend.h"
#include "virtual/virtual_table.h"

namespace parallax {
namespace {

// Forwards 127.0.0.1:port() to 127.0.0.1:target, one thread per connection.
class Proxy {
 public:
  explicit Proxy(int target) : target_(target) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 64), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~Proxy() {
    stopping_ = true;
    acceptor_.join();
    cut();
    for (auto& thread : pumps_) thread.join();
    restore();
    ::close(listener_);
  }
  int port() const { return port_; }
  // Closes every connection it carries; new ones are closed as they come until restore().
  void cut() {
    cut_ = true;
    std::lock_guard lock(mutex_);
    for (const int fd : open_) ::shutdown(fd, SHUT_RDWR);
  }
  // Forwards nothing either way and holds new connections open, unanswered.
  void hang() { hung_ = true; }
  void restore() {
    cut_ = false;
    hung_ = false;
    std::lock_guard lock(mutex_);
    for (const int fd : held_) ::close(fd);
    held_.clear();
  }
  // How many connections it has accepted.
  size_t accepted() const { return accepted_; }

 private:
  void accept_loop() {
    while (!stopping_) {
      pollfd waiting{listener_, POLLIN, 0};
      if (::poll(&waiting, 1, 50) <= 0) continue;
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      ++accepted_;
      if (hung_) {
        std::lock_guard lock(mutex_);
        held_.push_back(client);
        continue;
      }
      if (cut_) {
        ::close(client);
        continue;
      }
      const int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(static_cast<uint16_t>(target_));
      if (::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      std::lock_guard lock(mutex_);
      open_.insert(client);
      open_.insert(server);
      pumps_.emplace_back([this, client, server] { pump(client, server); });
    }
  }
  void pump(int a, int b) {
    pollfd both[] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buffer[65536];
    bool open = true;
    while (open && !stopping_) {
      if (hung_) {
        ::poll(nullptr, 0, 20);
        continue;
      }
      if (::poll(both, 2, 50) <= 0) continue;
      for (int i = 0; i < 2 && open; ++i) {
        if (!both[i].revents) continue;
        const ssize_t got = ::read(both[i].fd, buffer, sizeof buffer);
        open = got > 0 &&
               ::send(both[1 - i].fd, buffer, static_cast<size_t>(got), MSG_NOSIGNAL) == got;
      }
    }
    std::lock_guard lock(mutex_);
    open_.erase(a);
    open_.erase(b);
    ::close(a);
    ::close(b);
  }

  int target_, listener_, port_ = 0;
  std::atomic<bool> stopping_{false}, cut_{false}, hung_{false};
  std::atomic<size_t> accepted_{0};
  std::mutex mutex_;
  std::set<int> open_;
  std::vector<int> held_;
  std::vector<std::thread> pumps_;
  std::thread acceptor_;
};

int port_of(const std::string& url) {
  const size_t colon = url.rfind(':');
  return std::atoi(url.c_str() + colon + 1);
}

// How long a query may go unanswered: the hung step waits it out once.
constexpr int kTimeoutSeconds = 5;

class VirtualLive : public ::testing::Test {
 protected:
  // Hosts table `live` of `url` (through the proxy) as "live", with a flat and a grouped
  // view read once and an in-memory table beside it.
  void host(const std::string& url) {
    BackendOptions options;
    options.timeout_seconds = kTimeoutSeconds;
    auto backend = connect_backend(url, options);
    ASSERT_TRUE(backend.is_ok()) << backend.status().message();
    std::shared_ptr<Backend> shared = std::move(backend).value();
    auto tables = shared->tables();
    ASSERT_TRUE(tables.is_ok()) << tables.status().message();
    for (auto& table : *tables) {
      if (table.name != "live") continue;
      auto made = VirtualTable::create(shared, std::move(table));
      ASSERT_TRUE(made.is_ok()) << made.status().message();
      ASSERT_TRUE(engine_.host_virtual_table("live", std::move(made).value()).is_ok());
    }
    ASSERT_TRUE(engine_.is_virtual("live"));
    ASSERT_TRUE(engine_
                    .create_view("live", "flat",
                                 view_config_from_json(R"({"columns":["id","price"]})").value())
                    .is_ok());
    ASSERT_TRUE(
        engine_
            .create_view(
                "live", "grouped",
                view_config_from_json(R"({"group_by":["region"],"columns":["price"]})").value())
            .is_ok());
    ASSERT_TRUE(engine_
                    .create_table("local", TableData{R"([{"x":1},{"x":2}])", DataFormat::kJson},
                                  TableOptions{})
                    .is_ok());
    ASSERT_TRUE(engine_.create_view("local", "local_view", ViewConfig{}).is_ok());
    for (const char* view : {"flat", "grouped"}) {
      (void)read(view);
      ASSERT_TRUE(
          engine_.on_update(view, [this](const ViewUpdate& update) { ++updates_[update.view]; })
              .is_ok());
    }
  }

  Result<std::string> read(const std::string& view) {
    PX_ASSIGN_OR_RETURN(const View* found, engine_.view(view));
    return write_view(*found, ViewWindow{}, ViewTextFormat::kRows);
  }

  // Refreshes; answers how many views failed, and which views heard of a change.
  std::map<std::string, int> refresh(size_t expected_failures) {
    updates_.clear();
    const auto failures = engine_.refresh_virtual_tables();
    EXPECT_EQ(failures.size(), expected_failures)
        << (failures.empty() ? "" : failures.front().message());
    return updates_;
  }

  // `hung_connections`: how many connections the one query of the hung round opens (a new
  // one per ClickHouse query; PostgreSQL's waits on the connection it has).
  void run(Backend& direct, Proxy& proxy, const std::string& proxied_url, size_t hung_connections) {
    host(proxied_url);
    const std::string flat = read("flat").value(), grouped = read("grouped").value();
    EXPECT_NE(flat.find("\"price\":2.5"), std::string::npos) << flat;

    // Nothing changed: nobody hears of it.
    EXPECT_TRUE(refresh(0).empty());
    EXPECT_EQ(read("flat").value(), flat);

    // The table's change hint is unchanged: a refresh asks for it and reruns no view's
    // queries. (A hint of the last refresh is needed first: the one above may be the first.)
    const Backend& proxied = engine_.virtual_table("live")->backend();
    const uint64_t before = proxied.queries_sent();
    EXPECT_TRUE(refresh(0).empty());
    EXPECT_EQ(proxied.queries_sent() - before, 1u) << "the hint only, no view reran";

    // A row added in the database: both views hear of it, once.
    ASSERT_TRUE(direct.execute("INSERT INTO live VALUES (4, 'east', 100.25)").is_ok());
    const uint64_t unchanged = proxied.queries_sent();
    const auto changed = refresh(0);
    EXPECT_GT(proxied.queries_sent() - unchanged, 1u) << "the hint moved: the views reran";
    EXPECT_EQ(changed, (std::map<std::string, int>{{"flat", 1}, {"grouped", 1}}));
    EXPECT_NE(read("flat").value().find("100.25"), std::string::npos);
    EXPECT_NE(read("grouped").value(), grouped);
    EXPECT_EQ(engine_.table_size("live").value(), 4u);
    EXPECT_TRUE(refresh(0).empty());

    // The database goes away: the views' reads fail with an error naming it, the server's
    // other tables answer, nothing crashes.
    proxy.cut();
    refresh(2);
    for (const char* view : {"flat", "grouped"}) {
      auto failed = read(view);
      ASSERT_FALSE(failed.is_ok()) << view;
      EXPECT_NE(failed.status().message().find("cannot be reached"), std::string::npos)
          << failed.status().message();
    }
    EXPECT_FALSE(engine_.table_size("live").is_ok());
    EXPECT_TRUE(read("local_view").is_ok());
    refresh(2);  // still away: still errors

    // It changes while away and comes back: the views answer again, with the change, and
    // their clients hear of it.
    ASSERT_TRUE(direct.execute("INSERT INTO live VALUES (5, 'west', 7.75)").is_ok());
    proxy.restore();
    EXPECT_EQ(refresh(0), (std::map<std::string, int>{{"flat", 1}, {"grouped", 1}}));
    const std::string back = read("flat").value();
    EXPECT_NE(back.find("7.75"), std::string::npos) << back;
    EXPECT_NE(back.find("100.25"), std::string::npos) << back;
    EXPECT_EQ(engine_.table_size("live").value(), 5u);
    EXPECT_TRUE(refresh(0).empty());

    // Away and back with nothing changed: clients that were shown errors hear that the
    // views answer again.
    proxy.cut();
    refresh(2);
    proxy.restore();
    EXPECT_EQ(refresh(0), (std::map<std::string, int>{{"flat", 1}, {"grouped", 1}}));
    EXPECT_EQ(read("flat").value(), back);
    EXPECT_TRUE(refresh(0).empty());

    // The database hangs: the first view asked waits out the timeout, and the other view of
    // that database is not asked this round (the engine's thread would wait once per view);
    // both give the error; they answer again when it does.
    proxy.hang();
    const size_t accepted = proxy.accepted();
    refresh(2);
    EXPECT_EQ(proxy.accepted() - accepted, hung_connections)
        << "one query waited, not one per view";
    for (const char* view : {"flat", "grouped"}) {
      auto failed = read(view);
      ASSERT_FALSE(failed.is_ok()) << view;
      EXPECT_NE(failed.status().message().find("cannot be reached"), std::string::npos)
          << failed.status().message();
    }
    proxy.restore();
    EXPECT_EQ(refresh(0), (std::map<std::string, int>{{"flat", 1}, {"grouped", 1}}));
    EXPECT_EQ(read("flat").value(), back);
  }

  Engine engine_;
  std::map<std::string, int> updates_;
};

const char* const kRows = "INSERT INTO live VALUES (1, 'east', 2.5), (2, 'west', 3), (3, NULL, 4)";

TEST_F(VirtualLive, ClickHouse) {
  const char* http = std::getenv("PARALLAX_TEST_CLICKHOUSE");
  if (!http) GTEST_SKIP() << "PARALLAX_TEST_CLICKHOUSE is not set (run under db_servers.py)";
  Proxy proxy(port_of(http));
  const std::string address = std::string(http).substr(std::string(http).find("//") + 2);
  auto setup = connect_backend("clickhouse://" + address + "/default", {});
  ASSERT_TRUE(setup.is_ok());
  ASSERT_TRUE((*setup)->execute("DROP DATABASE IF EXISTS live").is_ok());
  ASSERT_TRUE((*setup)->execute("CREATE DATABASE live").is_ok());
  auto direct = connect_backend("clickhouse://" + address + "/live", {});
  ASSERT_TRUE(direct.is_ok());
  for (const std::string statement :
       {std::string("CREATE TABLE live (id Int32, region Nullable(String), price Float64) "
                    "ENGINE = MergeTree ORDER BY id"),
        std::string(kRows)}) {
    const Status done = (*direct)->execute(statement);
    ASSERT_TRUE(done.is_ok()) << done.message();
  }
  run(**direct, proxy, "clickhouse://127.0.0.1:" + std::to_string(proxy.port()) + "/live", 1);
}

// A Distributed table's rows live in its shards' MergeTree tables: the server that hosts it
// has no parts of it to hash, and a row inserted into a shard directly changes nothing on it.
// The table (and any other engine that is no *MergeTree) has no change hint, so its views
// rerun on every refresh and miss no change. (Two servers, each a shard of both.)
TEST_F(VirtualLive, ClickHouseDistributedAlwaysReruns) {
  const char* urls = std::getenv("PARALLAX_TEST_CLICKHOUSE_SHARDS");
  if (!urls) GTEST_SKIP() << "PARALLAX_TEST_CLICKHOUSE_SHARDS is not set (run under db_servers.py)";
  const std::string both = urls;
  const size_t comma = both.find(',');
  ASSERT_NE(comma, std::string::npos);
  std::vector<std::unique_ptr<Backend>> shards;
  for (const std::string http : {both.substr(0, comma), both.substr(comma + 1)}) {
    const std::string address = http.substr(http.find("//") + 2);
    auto setup = connect_backend("clickhouse://" + address + "/default", {});
    ASSERT_TRUE(setup.is_ok()) << setup.status().message();
    ASSERT_TRUE((*setup)->execute("DROP DATABASE IF EXISTS livedist").is_ok());
    ASSERT_TRUE((*setup)->execute("CREATE DATABASE livedist").is_ok());
    auto shard = connect_backend("clickhouse://" + address + "/livedist", {});
    ASSERT_TRUE(shard.is_ok()) << shard.status().message();
    const Status made = (*shard)->execute(
        "CREATE TABLE live_local (id Int32, region Nullable(String), price Float64) "
        "ENGINE = MergeTree ORDER BY id");
    ASSERT_TRUE(made.is_ok()) << made.message();
    shards.push_back(std::move(shard).value());
  }
  ASSERT_TRUE(shards[0]
                  ->execute("CREATE TABLE live AS live_local ENGINE = Distributed(shards, "
                            "livedist, live_local, id)")
                  .is_ok());
  ASSERT_TRUE(shards[0]->execute("INSERT INTO live_local VALUES (2, 'west', 3)").is_ok());
  ASSERT_TRUE(shards[1]->execute("INSERT INTO live_local VALUES (1, 'east', 2.5)").is_ok());
  const std::string first = std::string(both.substr(0, comma));
  host("clickhouse://" + first.substr(first.find("//") + 2) + "/livedist");
  const Backend& served = engine_.virtual_table("live")->backend();
  EXPECT_EQ(engine_.table_size("live").value(), 2u);
  auto hint = engine_.virtual_table("live")->backend().change_hint("live");
  ASSERT_TRUE(hint.is_ok()) << hint.status().message();
  EXPECT_FALSE(hint->has_value()) << "a Distributed table has no hint: " << **hint;

  // Nothing changed: the views rerun (the hint query, then theirs), nobody hears of it.
  const std::string flat = read("flat").value();
  EXPECT_TRUE(refresh(0).empty());
  const uint64_t before = served.queries_sent();
  EXPECT_TRUE(refresh(0).empty());
  EXPECT_GT(served.queries_sent() - before, 2u) << "no hint: both views reran";
  EXPECT_EQ(read("flat").value(), flat);

  // A row inserted into the other shard (the server asked holds no part of it): both views
  // hear of it at the next refresh.
  ASSERT_TRUE(shards[1]->execute("INSERT INTO live_local VALUES (4, 'east', 100.25)").is_ok());
  EXPECT_EQ(refresh(0), (std::map<std::string, int>{{"flat", 1}, {"grouped", 1}}));
  EXPECT_NE(read("flat").value().find("100.25"), std::string::npos);
  EXPECT_NE(read("grouped").value().find("102.75"), std::string::npos) << read("grouped").value();
  EXPECT_EQ(engine_.table_size("live").value(), 3u);
  EXPECT_TRUE(refresh(0).empty());

  // A Memory table (no parts either) beside it: no hint.
  ASSERT_TRUE(shards[0]->execute("CREATE TABLE memory (x Int32) ENGINE = Memory").is_ok());
  auto memory = shards[0]->change_hint("memory");
  ASSERT_TRUE(memory.is_ok()) << memory.status().message();
  EXPECT_FALSE(memory->has_value());
  // And the MergeTree under it has one, which the insert into it moved.
  auto local = shards[1]->change_hint("live_local");
  ASSERT_TRUE(local.is_ok() && local->has_value()) << local.status().message();
  ASSERT_TRUE(shards[1]->execute("INSERT INTO live_local VALUES (5, 'west', 1)").is_ok());
  auto moved = shards[1]->change_hint("live_local");
  ASSERT_TRUE(moved.is_ok() && moved->has_value()) << moved.status().message();
  EXPECT_NE(**moved, **local);
}

TEST_F(VirtualLive, Postgres) {
  const char* url = std::getenv("PARALLAX_TEST_POSTGRES");
  if (!url) GTEST_SKIP() << "PARALLAX_TEST_POSTGRES is not set (run under db_servers.py)";
  const std::string direct_url = url;  // postgres://parallax@127.0.0.1:PORT/postgres
  Proxy proxy(port_of(direct_url.substr(0, direct_url.rfind('/'))));
  auto direct = connect_backend(direct_url, {});
  ASSERT_TRUE(direct.is_ok()) << direct.status().message();
  for (const std::string statement :
       {std::string("DROP TABLE IF EXISTS live"),
        std::string("CREATE TABLE live (id integer PRIMARY KEY, region text, price double "
                    "precision)"),
        std::string(kRows)}) {
    const Status done = (*direct)->execute(statement);
    ASSERT_TRUE(done.is_ok()) << done.message();
  }
  run(**direct, proxy,
      "postgres://parallax@127.0.0.1:" + std::to_string(proxy.port()) + "/postgres", 0);
}

}  // namespace
}  // namespace parallax
