// A database that holds a virtual table's rows (ClickHouse over HTTP, PostgreSQL over libpq):
// what tables it has, and SQL in, typed columns out. Views compile their configs to SQL in
// the backend's dialect (sql_dialect.h) and the database does the work; only results cross.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/column.h"
#include "core/schema.h"
#include "virtual/sql_dialect.h"

namespace parallax {

// A table of the database as Parallax sees it: its columns typed as Parallax types (columns
// of types without an equivalent are left out), and its primary key when it is one column.
struct BackendTable {
  std::string name;
  Schema schema;
  std::optional<std::string> key;
  std::vector<std::string> skipped;  // columns left out, as "name (type)"
  // SQL that reads each schema column, by position ("" = the quoted name): ClickHouse compares
  // and sorts an Enum by its number, the engine a string by its text, so Enums are read as text.
  std::vector<std::string> column_sql;
};

// Thread safety: query, execute and change_hint may be called from several threads at once
// (the server's database workers run a view's queries off the engine's thread, several at a
// time): ClickHouse opens a connection per query, PostgreSQL keeps a pool of connections, one
// per query running. A query run inside a CancelScope (query_cancel.h) stops when its flag
// is set, answering an error.
class Backend {
 public:
  virtual ~Backend() = default;
  // "clickhouse" or "postgres".
  virtual std::string_view kind() const = 0;
  // The URL it was made from (no credentials ever appear in it).
  virtual const std::string& url() const = 0;
  virtual const SqlDialect& dialect() const = 0;
  virtual Result<std::vector<BackendTable>> tables() = 0;
  // Runs `sql` and reads column i of its answer as types[i] (the forms SqlDialect::select
  // writes). An unreachable database or a refused query is an error, never a crash.
  virtual Result<std::vector<Column>> query(const std::string& sql,
                                            std::span<const DataType> types) = 0;
  // Runs a statement that answers no rows (tests and benchmarks load data with it).
  virtual Status execute(const std::string& sql) = 0;
  // A cheap token that changes whenever `table` may have changed (ClickHouse: its active
  // parts and mutations; PostgreSQL: the cluster's WAL insert position), or nullopt when the
  // database has none for it (a ClickHouse Distributed or Memory table): a refresh reruns
  // views only when it changed. It may change without the rows changing (merges, writes to
  // other tables), never the other way round.
  virtual Result<std::optional<std::string>> change_hint(const std::string& table) = 0;
  // How many queries it has sent (query, change_hint): tests count what a refresh asks.
  uint64_t queries_sent() const { return queries_sent_; }
  // False after the database could not be reached (refused, broken or silent past the
  // timeout) until it answers again: a refresh then spares its other views the wait.
  bool reachable() const { return reachable_; }

 protected:
  std::atomic<bool> reachable_{true};
  std::atomic<uint64_t> queries_sent_{0};
};

// What connecting needs besides the URL: the password (from a file or the environment,
// never the command line) and how long a query may take.
struct BackendOptions {
  std::optional<std::string> password;
  int timeout_seconds = 60;
  // The most one answer may hold: past it the query is an error, so a database (or anything
  // answering in its place) cannot make Parallax hold more memory than this per query.
  uint64_t max_answer_bytes = uint64_t{1} << 30;
};

// clickhouse://[USER@]HOST:PORT/DATABASE (the HTTP interface) or
// postgres://USER@HOST:PORT/DATABASE (also postgresql://). A password in the URL is refused.
Result<std::unique_ptr<Backend>> connect_backend(const std::string& url, BackendOptions options);

}  // namespace parallax
