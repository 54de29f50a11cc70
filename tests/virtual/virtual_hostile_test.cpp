// Virtual tables against a hostile or broken "ClickHouse" (tests/virtual/fake_clickhouse.py,
// which answers each query as the database named in the URL says): every bad answer is an
// error that says what was wrong, in bounded memory and time, never a crash or a wrong
// answer, and the server goes on serving. Run under fake_clickhouse.py.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

#include "api/engine.h"
#include "api/view_config_json.h"
#include "api/view_output.h"
#include "virtual/backend.h"
#include "virtual/credentials.h"
#include "virtual/sql_compiler.h"
#include "virtual/virtual_table.h"

namespace parallax {
namespace {

constexpr int kTimeoutSeconds = 3;
constexpr uint64_t kMaxAnswer = 8 << 20;

std::string fake_url(const std::string& database) {
  const char* address = std::getenv("PARALLAX_TEST_FAKE_CLICKHOUSE");
  return std::string("clickhouse://") + (address ? address : "127.0.0.1:1") + "/" + database;
}

// The most memory this process has held resident so far (VmHWM), in MB.
size_t peak_resident_mb() {
  std::ifstream status("/proc/self/status");
  std::string word;
  size_t kb = 0;
  while (status >> word) {
    if (word == "VmHWM:") status >> kb;
  }
  return kb >> 10;
}

// Hosts table `t` of `database` and reads a flat view of it: its rows as JSON, or the
// first error on the way (connecting, the schema, the view's count, the window).
Result<std::string> read_flat(Engine& engine, const std::string& database,
                              const std::string& config = R"({"columns":["id","name","price"]})") {
  BackendOptions options;
  options.timeout_seconds = kTimeoutSeconds;
  options.max_answer_bytes = kMaxAnswer;
  PX_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend,
                      connect_backend(fake_url(database), options));
  std::shared_ptr<Backend> shared = std::move(backend);
  PX_ASSIGN_OR_RETURN(std::vector<BackendTable> tables, shared->tables());
  if (tables.size() != 1) return Status::invalid("{} tables", tables.size());
  PX_ASSIGN_OR_RETURN(std::unique_ptr<VirtualTable> table,
                      VirtualTable::create(shared, std::move(tables[0])));
  PX_RETURN_IF_ERROR(engine.host_virtual_table(database, std::move(table)));
  PX_ASSIGN_OR_RETURN(ViewConfig parsed, view_config_from_json(config));
  PX_RETURN_IF_ERROR(engine.create_view(database, database + "_view", std::move(parsed)));
  PX_ASSIGN_OR_RETURN(const View* view, engine.view(database + "_view"));
  return write_view(*view, ViewWindow{}, ViewTextFormat::kRows);
}

class VirtualHostile : public ::testing::Test {
 protected:
  // `database`'s answer must be an error holding `expected`, short enough to show a client.
  void expect_error(const std::string& database, const std::string& expected) {
    const auto started = std::chrono::steady_clock::now();
    auto read = read_flat(engine_, database);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_FALSE(read.is_ok()) << database << " answered " << read.value().substr(0, 200);
    const std::string& message = read.status().message();
    EXPECT_NE(message.find(expected), std::string::npos)
        << database << ": " << message.substr(0, 300);
    EXPECT_LT(message.size(), 2000u) << database << ": " << message.substr(0, 300);
    EXPECT_LT(seconds, kTimeoutSeconds + 5.0) << database;
    // The server goes on serving its other tables.
    EXPECT_TRUE(read_flat(engine_, "good" + std::to_string(++good_)).is_ok());
  }

  Engine engine_;
  int good_ = 0;
};

TEST_F(VirtualHostile, GoodAnswersAreRead) {
  auto rows = read_flat(engine_, "good");
  ASSERT_TRUE(rows.is_ok()) << rows.status().message();
  EXPECT_NE(rows->find("\"price\":2.5"), std::string::npos) << *rows;
  // NUL bytes and escapes in cells are text like any other.
  auto nul = read_flat(engine_, "rows_nul");
  ASSERT_TRUE(nul.is_ok()) << nul.status().message();
  EXPECT_NE(nul->find("c\\\\d\\te\\nf\\\\N"), std::string::npos) << *nul;
}

TEST_F(VirtualHostile, RowCountsThatAreNoCounts) {
  expect_error("count_negative", "-1 as a row count");
  expect_error("count_nan", "nan as a row count");
  expect_error("count_huge", "as a row count");
}

TEST_F(VirtualHostile, CellsThatDoNotFit) {
  expect_error("rows_bigint", "'1e300' where a integer was expected");
  expect_error("rows_extra", "a row of more columns where 3 were asked for");
  expect_error("rows_few", "a row of 2 columns where 3 were asked for");
  expect_error("rows_longcell", "where a float was expected");
}

// A query that fails midway answers 200 and the error as its last line: an error, not a split
// column named after it.
TEST_F(VirtualHostile, ErrorsAfterTheFirstRows) {
  auto split = read_flat(engine_, "rows_midstream", R"({"split_by":["name"],"columns":["price"]})");
  ASSERT_FALSE(split.is_ok()) << split.value().substr(0, 300);
  EXPECT_NE(split.status().message().find("failed while answering: Code: 241"), std::string::npos)
      << split.status().message();
}

TEST_F(VirtualHostile, SchemasThatDoNotFit) {
  expect_error("schema_short", "columns where 4 were asked for");
  // Repeated and odd column names: hosted or refused, never a crash.
  auto weird = read_flat(engine_, "schema_weird");
  if (!weird.is_ok()) EXPECT_LT(weird.status().message().size(), 2000u);
}

TEST_F(VirtualHostile, AnswersThatAreNoHttp) {
  expect_error("rows_truncated", "cannot be reached");
  expect_error("rows_garbage", "cannot be reached");
  expect_error("rows_headerbomb", "cannot be reached");
  expect_error("rows_slow", "cannot be reached");
}

TEST_F(VirtualHostile, HugeAnswersAreRefusedInBoundedMemory) {
  const size_t before = peak_resident_mb();
  expect_error("rows_huge", "answered more than 8 MB");
  expect_error("rows_hugeerror", "refused the query: Code: 62. xxx");
  EXPECT_LT(peak_resident_mb(), before + 64) << "MB resident at most before: " << before;
}

// PostgreSQL's answers are bounded as ClickHouse's: read a row at a time, and past
// max_answer_bytes the query is cancelled and refused with a clear error; the connection then
// answers the next query (and a window within the bound), and the database stays reachable.
TEST(VirtualPostgresBound, HugeAnswersAreRefused) {
  const char* url = std::getenv("PARALLAX_TEST_POSTGRES");
  if (!url) GTEST_SKIP() << "PARALLAX_TEST_POSTGRES is not set (run under db_servers.py)";
  auto setup = connect_backend(url, {});
  ASSERT_TRUE(setup.is_ok()) << setup.status().message();
  for (const char* statement :
       {"DROP TABLE IF EXISTS bound", "CREATE TABLE bound (id integer PRIMARY KEY, text text)",
        // About 8 MB of text: 8,000 rows of 1,000 bytes.
        "INSERT INTO bound SELECT g, repeat('x', 1000) FROM generate_series(1, 8000) g"}) {
    const Status done = (*setup)->execute(statement);
    ASSERT_TRUE(done.is_ok()) << statement << ": " << done.message();
  }
  BackendOptions options;
  options.max_answer_bytes = 1 << 20;
  auto backend = connect_backend(url, options);
  ASSERT_TRUE(backend.is_ok()) << backend.status().message();
  std::shared_ptr<Backend> shared = std::move(backend).value();
  auto table = backend_table(*shared, "bound");
  ASSERT_TRUE(table.is_ok()) << table.status().message();
  auto made = VirtualTable::create(shared, std::move(table).value());
  ASSERT_TRUE(made.is_ok()) << made.status().message();
  Engine engine;
  ASSERT_TRUE(engine.host_virtual_table("bound", std::move(made).value()).is_ok());
  ASSERT_TRUE(engine.create_view("bound", "all", ViewConfig{}).is_ok());
  const View& view = *engine.view("all").value();
  EXPECT_EQ(view.num_rows(), 8000u);
  auto everything = write_view(view, ViewWindow{}, ViewTextFormat::kColumns);
  ASSERT_FALSE(everything.is_ok()) << everything->size() << " bytes answered";
  EXPECT_NE(everything.status().message().find("answered more than 1 MB"), std::string::npos)
      << everything.status().message();
  EXPECT_LT(everything.status().message().size(), 2000u);
  EXPECT_TRUE(shared->reachable());
  // The same connection answers the next queries: a window within the bound, a count.
  ViewWindow some;
  some.start_row = 10;
  some.end_row = 20;
  auto window = write_view(view, some, ViewTextFormat::kColumns);
  ASSERT_TRUE(window.is_ok()) << window.status().message();
  EXPECT_NE(window->find("\"id\":[11,12,13,14,15,16,17,18,19,20]"), std::string::npos)
      << window->substr(0, 200);
  const DataType count_type[] = {DataType::kFloat};
  auto count = shared->query("SELECT count(*) FROM bound", count_type);
  ASSERT_TRUE(count.is_ok()) << count.status().message();
  EXPECT_EQ((*count)[0].value<double>(0), 8000.0);
}

// Database `name` made afresh on the ClickHouse at `http` (http://HOST:PORT): its URL.
Result<std::string> fresh_clickhouse_database(const std::string& http, const std::string& name) {
  const std::string address = http.substr(http.find("//") + 2);
  PX_ASSIGN_OR_RETURN(std::unique_ptr<Backend> setup,
                      connect_backend("clickhouse://" + address + "/default", {}));
  PX_RETURN_IF_ERROR(setup->execute("DROP DATABASE IF EXISTS " + name));
  PX_RETURN_IF_ERROR(setup->execute("CREATE DATABASE " + name));
  return "clickhouse://" + address + "/" + name;
}

// Hosts table `name` of the database at `url`, made by `statements`, behind a backend whose
// answers are bounded to `max_answer_bytes`, in `engine`.
std::shared_ptr<Backend> host_bounded(Engine& engine, const std::string& url,
                                      const std::string& name,
                                      std::initializer_list<const char*> statements,
                                      uint64_t max_answer_bytes) {
  auto setup = connect_backend(url, {});
  EXPECT_TRUE(setup.is_ok()) << setup.status().message();
  if (!setup.is_ok()) return nullptr;
  for (const char* statement : statements) {
    const Status done = (*setup)->execute(statement);
    EXPECT_TRUE(done.is_ok()) << statement << ": " << done.message();
  }
  BackendOptions options;
  options.max_answer_bytes = max_answer_bytes;
  std::shared_ptr<Backend> shared = std::move(connect_backend(url, options)).value();
  auto table = backend_table(*shared, name);
  EXPECT_TRUE(table.is_ok()) << table.status().message();
  if (!table.is_ok()) return nullptr;
  auto made = VirtualTable::create(shared, std::move(table).value());
  EXPECT_TRUE(made.is_ok()) << made.status().message();
  if (!made.is_ok()) return nullptr;
  EXPECT_TRUE(engine.host_virtual_table(name, std::move(made).value()).is_ok());
  return shared;
}

// Forgets the process's peak resident memory (VmHWM starts again from VmRSS).
void reset_peak_resident() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

// Reading the whole of `view` (a table with a row past the 4 MB bound) is refused with the
// bound's error (holding `detail`) in bounded memory; its first row, which is small, is read.
void expect_huge_row_refused(const View& view, const std::string& detail) {
  reset_peak_resident();
  const size_t before = peak_resident_mb();
  auto everything = write_view(view, ViewWindow{}, ViewTextFormat::kColumns);
  ASSERT_FALSE(everything.is_ok()) << everything->size() << " bytes answered";
  const std::string& message = everything.status().message();
  EXPECT_NE(message.find("answered more than 4 MB"), std::string::npos) << message;
  EXPECT_NE(message.find(detail), std::string::npos) << message;
  EXPECT_LT(message.size(), 2000u);
  // (Without the check libpq holds the row twice: its input buffer and its result.)
  EXPECT_LT(peak_resident_mb(), before + 20) << "MB resident before: " << before;
  // The rows beside it are read, on the same connection.
  ViewWindow first;
  first.start_row = 0;
  first.end_row = 1;
  auto window = write_view(view, first, ViewTextFormat::kColumns);
  ASSERT_TRUE(window.is_ok()) << window.status().message();
  EXPECT_NE(window->find("\"id\":[1]"), std::string::npos) << window->substr(0, 200);
  EXPECT_NE(window->find("small"), std::string::npos) << window->substr(0, 200);
}

// libpq reads a whole row before the first cell of it is seen: one row of a 50 MB cell, or of
// many cells each under the bound, is refused by the database before it is sent (the answer
// bound holds for one row too), in bounded memory; the rows beside it are still read, and the
// connection answers the next query.
TEST(VirtualPostgresBound, OneHugeRowIsRefusedInBoundedMemory) {
  if (!std::getenv("PARALLAX_TEST_POSTGRES"))
    GTEST_SKIP() << "PARALLAX_TEST_POSTGRES is not set (run under db_servers.py)";
  Engine engine;
  std::string wide = "CREATE TABLE wide (id integer PRIMARY KEY";
  std::string wide_row = "INSERT INTO wide SELECT 2";
  for (int i = 0; i < 20; ++i) {
    wide += ", t" + std::to_string(i) + " text";
    wide_row += ", repeat('y', 3000000)";  // 20 cells of 3 MB: each under the bound
  }
  wide += ")";
  const std::string wide_small = "INSERT INTO wide (id, t0) VALUES (1, 'small')";
  const std::string url = std::getenv("PARALLAX_TEST_POSTGRES");
  std::shared_ptr<Backend> huge = host_bounded(
      engine, url, "huge",
      {"DROP TABLE IF EXISTS huge", "CREATE TABLE huge (id integer PRIMARY KEY, text text)",
       "INSERT INTO huge VALUES (1, 'small'), (3, 'small too')",
       "INSERT INTO huge VALUES (2, repeat('x', 50000000))"},  // 50 MB in one cell
      4 << 20);
  std::shared_ptr<Backend> wide_backend = host_bounded(
      engine, url, "wide",
      {"DROP TABLE IF EXISTS wide", wide.c_str(), wide_small.c_str(), wide_row.c_str()}, 4 << 20);
  ASSERT_TRUE(huge && wide_backend);
  for (const char* name : {"huge", "wide"}) {
    SCOPED_TRACE(name);
    const Backend& backend = *(std::string(name) == "huge" ? huge : wide_backend);
    ASSERT_TRUE(engine.create_view(name, std::string(name) + "_all", ViewConfig{}).is_ok());
    expect_huge_row_refused(*engine.view(std::string(name) + "_all").value(), "(one row of ");
    EXPECT_TRUE(backend.reachable());
  }
}

// ClickHouse's answers are bounded as a whole HTTP body (Boost.Beast's body_limit, chunked
// or not) before any row is read, so one huge row is refused like many small ones.
TEST(VirtualClickHouseBound, OneHugeRowIsRefusedInBoundedMemory) {
  const char* http = std::getenv("PARALLAX_TEST_CLICKHOUSE");
  if (!http) GTEST_SKIP() << "PARALLAX_TEST_CLICKHOUSE is not set (run under db_servers.py)";
  auto url = fresh_clickhouse_database(http, "bound");
  ASSERT_TRUE(url.is_ok()) << url.status().message();
  Engine engine;
  std::shared_ptr<Backend> huge =
      host_bounded(engine, *url, "huge",
                   {"CREATE TABLE huge (id Int32, text String) ENGINE = MergeTree ORDER BY id",
                    "INSERT INTO huge VALUES (1, 'small'), (3, 'small too')",
                    // 50 MB in one cell (18.16 has no repeat()).
                    "INSERT INTO huge SELECT 2, arrayStringConcat(arrayMap(x -> 'xxxxxxxxxx', "
                    "range(5000000)))"},
                   4 << 20);
  ASSERT_TRUE(huge);
  ASSERT_TRUE(engine.create_view("huge", "huge_all", ViewConfig{}).is_ok());
  expect_huge_row_refused(*engine.view("huge_all").value(), "");
}

// A date filter value past the dates Parallax holds (cast to int64 milliseconds, undefined
// before): an error, not SQL.
TEST(VirtualSql, DateFilterValuesBeyondDates) {
  auto backend = connect_backend("clickhouse://127.0.0.1:1/x", {});
  ASSERT_TRUE(backend.is_ok());
  Schema schema;
  schema.add({"d", DataType::kDate});
  const std::string columns[] = {"`d`"};
  for (const char* value : {"1e300", "-1e300", "8.64e19"}) {
    auto config = view_config_from_json(std::string(R"({"filter":[["d","==",)") + value + "]]}");
    ASSERT_TRUE(config.is_ok()) << config.status().message();
    auto where =
        sql_where((*backend)->dialect(), schema, columns, config->filter, FilterCombinator::kAnd);
    ASSERT_FALSE(where.is_ok()) << value << ": " << where.value();
    EXPECT_NE(where.status().message().find("cannot be read as date"), std::string::npos)
        << where.status().message();
  }
}

// A filter value as a JSON string.
std::string json_text(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Filter values that try to end their SQL literal, and values a literal must hold as they
// are: each matches the rows whose name it is, nothing more, and runs nothing else.
class VirtualInjection : public ::testing::Test {
 protected:
  // Hosts `t` (id, name) of `url` and answers the ids whose name `op` `value`, or the error.
  Result<std::string> ids(const std::string& url, const std::string& op, std::string_view value) {
    if (!engine_.is_virtual("t")) {
      PX_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, connect_backend(url, {}));
      std::shared_ptr<Backend> shared = std::move(backend);
      PX_ASSIGN_OR_RETURN(BackendTable table, backend_table(*shared, "t"));
      PX_ASSIGN_OR_RETURN(std::unique_ptr<VirtualTable> made,
                          VirtualTable::create(shared, std::move(table)));
      PX_RETURN_IF_ERROR(engine_.host_virtual_table("t", std::move(made)));
    }
    const std::string name = "v" + std::to_string(++views_);
    PX_ASSIGN_OR_RETURN(
        ViewConfig config,
        view_config_from_json(
            R"({"columns":["id"],"sort":[["id","asc"]],)"
            R"("filter":[["name",")" +
            op + "\"," + (op == "in" ? "[" + json_text(value) + "]" : json_text(value)) + "]]}"));
    PX_RETURN_IF_ERROR(engine_.create_view("t", name, std::move(config)));
    PX_ASSIGN_OR_RETURN(const View* view, engine_.view(name));
    return write_view(*view, ViewWindow{}, ViewTextFormat::kColumns);
  }

  // Every attack against table t of `url`, whose victim table must survive.
  void attack(Backend& direct, const std::string& url) {
    const std::string quote = "it's", backslash = "back\\slash";
    for (const std::string& payload :
         {std::string("\\'))); DROP TABLE victim; --"), std::string("'))); DROP TABLE victim; --"),
          std::string("\\\\'))); DROP TABLE victim; --"), std::string("x\\"), std::string("\\"),
          std::string("'"), std::string("\"); DROP TABLE victim; --")}) {
      for (const char* op : {"==", "!=", "contains", "begins with", "ends with", "<", "in"}) {
        auto found = ids(url, op, payload);
        ASSERT_TRUE(direct.execute("INSERT INTO victim VALUES (1)").is_ok())
            << "the victim table is gone after " << op << " " << payload;
        ASSERT_TRUE(found.is_ok()) << op << " " << payload << ": " << found.status().message();
      }
      EXPECT_EQ(ids(url, "==", payload).value(), R"({"id":[]})") << payload;
    }
    EXPECT_EQ(ids(url, "==", quote).value(), R"({"id":[2]})");
    EXPECT_EQ(ids(url, "==", backslash).value(), R"({"id":[3]})");
    EXPECT_EQ(ids(url, "contains", "\\").value(), R"({"id":[3]})");
    EXPECT_EQ(ids(url, "ends with", "'s").value(), R"({"id":[2]})");
    EXPECT_EQ(ids(url, "begins with", "back\\").value(), R"({"id":[3]})");
    // A NUL byte: ClickHouse text may hold one (row 4), PostgreSQL's cannot (an error).
    auto nul = ids(url, "==", std::string_view("nul\0byte", 8));
    if (nul.is_ok()) {
      EXPECT_EQ(*nul, R"({"id":[4]})");
    } else {
      EXPECT_NE(nul.status().message().find("PostgreSQL"), std::string::npos)
          << nul.status().message();
    }
  }

  Engine engine_;
  int views_ = 0;
};

TEST_F(VirtualInjection, PostgresWithoutStandardConformingStrings) {
  const char* url = std::getenv("PARALLAX_TEST_POSTGRES");
  if (!url) GTEST_SKIP() << "PARALLAX_TEST_POSTGRES is not set (run under db_servers.py)";
  auto setup = connect_backend(url, {});
  ASSERT_TRUE(setup.is_ok());
  (void)(*setup)->execute("DROP DATABASE IF EXISTS injection");
  ASSERT_TRUE((*setup)->execute("CREATE DATABASE injection").is_ok());
  // Where backslashes escape in every string: an old server's default, or a DBA's choice.
  ASSERT_TRUE(
      (*setup)->execute("ALTER DATABASE injection SET standard_conforming_strings = off").is_ok());
  std::string database_url = url;
  database_url = database_url.substr(0, database_url.rfind('/')) + "/injection";
  auto direct = connect_backend(database_url, {});
  ASSERT_TRUE(direct.is_ok());
  for (const char* statement :
       {"CREATE TABLE t (id integer PRIMARY KEY, name text)",
        R"(INSERT INTO t VALUES (1, 'a'), (2, E'it\'s'), (3, E'back\\slash'))",
        "CREATE TABLE victim (x integer)"}) {
    const Status done = (*direct)->execute(statement);
    ASSERT_TRUE(done.is_ok()) << statement << ": " << done.message();
  }
  attack(**direct, database_url);
}

TEST_F(VirtualInjection, ClickHouse) {
  const char* http = std::getenv("PARALLAX_TEST_CLICKHOUSE");
  if (!http) GTEST_SKIP() << "PARALLAX_TEST_CLICKHOUSE is not set (run under db_servers.py)";
  auto made = fresh_clickhouse_database(http, "injection");
  ASSERT_TRUE(made.is_ok()) << made.status().message();
  const std::string database_url = *made;
  auto direct = connect_backend(database_url, {});
  ASSERT_TRUE(direct.is_ok());
  for (const char* statement :
       {"CREATE TABLE t (id Int32, name String) ENGINE = MergeTree ORDER BY id",
        R"(INSERT INTO t VALUES (1, 'a'), (2, 'it\'s'), (3, 'back\\slash'), (4, 'nul\0byte'))",
        "CREATE TABLE victim (x Int32) ENGINE = Memory"}) {
    const Status done = (*direct)->execute(statement);
    ASSERT_TRUE(done.is_ok()) << statement << ": " << done.message();
  }
  attack(**direct, database_url);
}

}  // namespace
}  // namespace parallax
