// PostgreSQL over libpq: a connection per query running (kept for the next), reset when it breaks
// or a query outlives the timeout (a hung server must not hold the engine's thread); text results,
// read a row at a time (single-row mode) and bounded in size as they arrive. Tables are those of
// the connection's current schema (search_path), each column's type from information_schema, the
// primary key from pg_index.
#include "virtual/postgres_backend.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "virtual/query_cancel.h"
#include "virtual/text_cells.h"

namespace parallax {

namespace {

class PostgresDialect final : public SqlDialect {
 public:
  SqlFlavor flavor() const override { return SqlFlavor::kPostgres; }
  std::string identifier(std::string_view name) const override {
    std::string out = "\"";
    for (const char c : name) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  }
  // An escape string (E'...'), whose backslashes are escapes whatever the server's
  // standard_conforming_strings: a plain '...' with only its quotes doubled lets a filter
  // value end the literal where that setting is off ('\'' reads as one quote there).
  // PostgreSQL text holds no NUL: one is written as \000, which the database refuses.
  std::string string_literal(std::string_view text) const override {
    std::string out = "E'";
    for (const char c : text) {
      if (c == '\0') {
        out += "\\000";
        continue;
      }
      if (c == '\'' || c == '\\') out += c;
      out += c;
    }
    return out + "'";
  }
  std::string bytewise(const std::string& expr) const override {
    return "(" + expr + " COLLATE \"C\")";
  }
  std::string lower_ascii(const std::string& expr) const override {
    // In the C collation lower() changes A-Z only.
    return "lower(" + bytewise(expr) + ")";
  }
  std::string starts_with(const std::string& expr, const std::string& literal) const override {
    return "(strpos(" + expr + ", " + literal + ") = 1)";
  }
  std::string ends_with(const std::string& expr, const std::string& literal) const override {
    return "(right(" + expr + ", length(" + literal + ")) = " + literal + ")";
  }
  std::string contains(const std::string& expr, const std::string& literal) const override {
    return "(strpos(" + expr + ", " + literal + ") > 0)";
  }
  std::string date_literal(int32_t days) const override {
    return "(DATE '1970-01-01' + " + std::to_string(days) + ")";
  }
  std::string epoch_millis(const std::string& expr) const override {
    return "CAST(floor(extract(epoch from " + expr + ") * 1000) AS bigint)";
  }
  std::string boolean_number(const std::string& expr) const override {
    return "CAST(" + expr + " AS integer)";
  }
  std::string as_float(const std::string& expr) const override {
    return "CAST(" + expr + " AS double precision)";
  }
  std::string value_by_key(const std::string& expr, const std::string& key,
                           bool last) const override {
    return "(array_agg(" + expr + " ORDER BY " + key + (last ? " DESC" : "") + "))[1]";
  }
  std::string value_by_order(const std::string& expr, const std::string& number,
                             std::span<const std::string> keys, bool highest) const override {
    std::string order =
        highest ? number + " IS NULL, " + number + " DESC" : number + " IS NOT NULL, " + number;
    for (const auto& key : keys) order += ", " + key + " NULLS FIRST";
    return "(array_agg(" + expr + " ORDER BY " + order + "))[1]";
  }
  std::string nth_smallest(const std::string& expr, const std::string& index,
                           DataType type) const override {
    const std::string order = type == DataType::kString ? bytewise(expr) : expr;
    return "(array_agg(" + expr + " ORDER BY " + order + ") FILTER (WHERE " + expr +
           " IS NOT NULL))[CAST(" + index + " AS integer)]";
  }
  // The group's cells (array_agg, an aggregate of the outer query) counted per value in a
  // subquery; ties by value, text byte-wise (mode() breaks ties as it likes).
  std::string most_frequent(const std::string& expr, DataType type) const override {
    const std::string v = type == DataType::kString ? bytewise("v") : "v";
    return "(SELECT v FROM unnest(array_agg(" + expr +
           ")) AS parallax_cells(v) WHERE v IS NOT NULL GROUP BY v ORDER BY count(*) DESC, " + v +
           " LIMIT 1)";
  }
  std::string top_frequency(const std::string& expr, DataType) const override {
    return "coalesce((SELECT count(*) FROM unnest(array_agg(" + expr +
           ")) AS parallax_cells(v) WHERE v IS NOT NULL GROUP BY v ORDER BY count(*) DESC LIMIT "
           "1), 0)";
  }
  std::string int_div(const std::string& a, const std::string& b) const override {
    return "((" + a + ") / (" + b + "))";  // bigint over integer: truncated
  }
  std::string variance(const std::string& expr) const override {
    return "var_pop(CAST(" + expr + " AS double precision))";
  }
  std::string deviation(const std::string& expr) const override {
    return "stddev_pop(CAST(" + expr + " AS double precision))";
  }
};

std::optional<DataType> parallax_type(std::string_view type) {
  if (type == "smallint" || type == "integer") return DataType::kInteger;
  if (type == "bigint" || type == "real" || type == "double precision" || type == "numeric")
    return DataType::kFloat;
  if (type == "text" || type == "character varying" || type == "character" || type == "name")
    return DataType::kString;
  if (type == "boolean") return DataType::kBoolean;
  if (type == "date") return DataType::kDate;
  if (type.starts_with("timestamp")) return DataType::kDatetime;
  return std::nullopt;
}

class PostgresBackend final : public Backend {
 public:
  PostgresBackend(std::string url, BackendOptions options)
      : url_(std::move(url)), options_(std::move(options)) {}
  ~PostgresBackend() override {
    for (PGconn* idle : idle_) PQfinish(idle);
  }

  std::string_view kind() const override { return "postgres"; }
  const std::string& url() const override { return url_; }
  const SqlDialect& dialect() const override { return dialect_; }

  Result<std::vector<BackendTable>> tables() override {
    const DataType text[] = {DataType::kString, DataType::kString, DataType::kString,
                             DataType::kBoolean};
    PX_ASSIGN_OR_RETURN(
        std::vector<Column> columns,
        query("SELECT c.table_name, c.column_name, c.data_type, EXISTS ("
              "  SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
              "  AND a.attnum = ANY(i.indkey) WHERE i.indisprimary AND i.indnatts = 1"
              "  AND i.indrelid = (quote_ident(c.table_schema) || '.' ||"
              "  quote_ident(c.table_name))::regclass AND a.attname = c.column_name)"
              " FROM information_schema.columns c JOIN information_schema.tables t"
              " ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
              " WHERE c.table_schema = current_schema()"
              " ORDER BY c.table_name, c.ordinal_position",
              text));
    std::vector<BackendTable> tables;
    for (size_t row = 0; row < columns[0].size(); ++row) {
      const std::string table(columns[0].string_at(row)), name(columns[1].string_at(row));
      const std::string type(columns[2].string_at(row));
      if (tables.empty() || tables.back().name != table) tables.push_back({table, {}, {}, {}});
      const auto mapped = parallax_type(type);
      if (!mapped) {
        tables.back().skipped.push_back(name + " (" + type + ")");
        continue;
      }
      tables.back().schema.add({name, *mapped});
      if (columns[3].value<uint8_t>(row)) tables.back().key = name;
    }
    return tables;
  }

  Status execute(const std::string& sql) override {
    Lease lease(*this);
    PX_ASSIGN_OR_RETURN(PGresult * result, exec(lease.conn, sql));
    const bool done =
        PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
    std::string message = done ? "" : PQresultErrorMessage(result);
    PQclear(result);
    if (!done) return Status::invalid("PostgreSQL at {} refused: {}", url_, trim(message));
    return Status::ok();
  }

  // The answer is read a row at a time (libpq would otherwise hold all of it before the
  // first row is seen), its cells' bytes counted as they arrive: past
  // BackendOptions::max_answer_bytes the query is cancelled and refused, as ClickHouse's are.
  // The cluster's WAL insert position: any committed write anywhere moves it (the commit
  // record is inserted before the rows become visible), so it misses no change of the table;
  // writes elsewhere only cost a rerun. (pg_stat_user_tables' counts lag behind commits.)
  // A standby refuses it: its views then always rerun.
  Result<std::optional<std::string>> change_hint(const std::string&) override {
    const DataType text[] = {DataType::kString};
    PX_ASSIGN_OR_RETURN(std::vector<Column> columns,
                        query("SELECT pg_current_wal_insert_lsn()::text", text));
    if (columns[0].size() != 1 || columns[0].is_null(0))
      return Status::invalid("PostgreSQL at {} answered no WAL position", url_);
    return std::optional<std::string>(std::string(columns[0].string_at(0)));
  }

  Result<std::vector<Column>> query(const std::string& sql,
                                    std::span<const DataType> types) override {
    ++queries_sent_;
    Lease lease(*this);
    PGconn*& conn = lease.conn;
    const std::string bounded = bounded_rows(sql, types);
    // A view's query goes by the extended protocol, which runs one statement only: SQL that
    // somehow held a second one (an injection) is refused whole instead of run.
    PX_ASSIGN_OR_RETURN(const Deadline deadline, send(conn, bounded, [&] {
                          return PQsendQueryParams(conn, bounded.c_str(), 0, nullptr, nullptr,
                                                   nullptr, nullptr, 0);
                        }));
    // (Refused only when no query is running, which one just is.)
    PQsetSingleRowMode(conn);
    std::vector<Column> columns;
    for (const DataType type : types) columns.emplace_back(type);
    uint64_t bytes = 0;
    std::string refusal;
    for (;;) {
      PX_ASSIGN_OR_RETURN(PGresult * result, next_result(conn, deadline));
      if (!result) break;
      const ExecStatusType status = PQresultStatus(result);
      if (status != PGRES_SINGLE_TUPLE && status != PGRES_TUPLES_OK) {
        if (refusal.empty()) refusal = PQresultErrorMessage(result);
        PQclear(result);
        continue;  // to the end of the results, so that the connection takes the next query
      }
      if (!refusal.empty()) {
        PQclear(result);
        continue;
      }
      Status read = append_rows(result, columns, bytes);
      PQclear(result);
      if (!read.is_ok()) {
        abandon(conn, deadline);
        return read;
      }
      if (bytes > options_.max_answer_bytes) {
        abandon(conn, deadline);
        return Status::invalid(
            "PostgreSQL at {} answered more than {} MB, the most one query may answer: filter "
            "the view or ask for fewer rows, groups or split columns",
            url_, options_.max_answer_bytes >> 20);
      }
    }
    if (!refusal.empty()) {
      if (PQstatus(conn) != CONNECTION_OK) return lost(conn, refusal);
      if (const size_t at = refusal.find(kRowTooBig); at != std::string::npos) {
        const uint64_t row = std::strtoull(refusal.c_str() + at + kRowTooBig.size(), nullptr, 10);
        return Status::invalid(
            "PostgreSQL at {} answered more than {} MB, the most one query may answer (one row "
            "of {} MB): filter the view or ask for fewer columns",
            url_, options_.max_answer_bytes >> 20, row >> 20);
      }
      return Status::invalid("PostgreSQL at {} refused the query: {}", url_, trim(refusal));
    }
    reachable_ = true;
    return columns;
  }

 private:
  using Deadline = std::chrono::steady_clock::time_point;

  // A connection taken from the idle ones for one query (null: connect() makes one), given
  // back after unless it broke (lost() drops it).
  struct Lease {
    explicit Lease(PostgresBackend& backend) : backend(backend) {
      std::lock_guard lock(backend.idle_mutex_);
      if (!backend.idle_.empty()) {
        conn = backend.idle_.back();
        backend.idle_.pop_back();
      }
    }
    ~Lease() {
      if (!conn) return;
      std::lock_guard lock(backend.idle_mutex_);
      backend.idle_.push_back(conn);
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    PostgresBackend& backend;
    PGconn* conn = nullptr;
  };

  // What the database says (in a refusal) of a row past the bound, before the row's bytes.
  static constexpr std::string_view kRowTooBig = "parallax: a row of ";

  // `sql` whose rows are measured in the database before they are sent: libpq reads a whole
  // row before append_rows sees it, so one row of a 1 GB cell (or of many wide cells) would be
  // held whole. A row larger than max_answer_bytes instead fails the query there (its bytes
  // in the message, found by kRowTooBig), so no row held here exceeds the bound and the
  // answer stays under twice it. Text is measured by octet_length (read from the value's
  // header, even when toasted), other cells by twice their stored size (numeric's text takes
  // about two characters a byte; fixed-size types are a few bytes). The check is an extra
  // last column (null), never a WHERE clause: one could be pushed below the query's own
  // filter and refuse a row the answer does not hold. A subquery with its own ORDER BY or
  // LIMIT is scanned in order, and the outer query sorts nothing.
  std::string bounded_rows(const std::string& sql, std::span<const DataType> types) const {
    if (types.empty()) return sql;
    std::string names, size;
    for (size_t i = 0; i < types.size(); ++i) {
      const std::string name = "c" + std::to_string(i);
      names += (i ? ", " : "") + name;
      size += i ? " + " : "";
      size += types[i] == DataType::kString
                  ? "coalesce(octet_length(" + name + "::text)::bigint, 0)"
                  : "2 * coalesce(pg_column_size(" + name + ")::bigint, 0)";
    }
    return "SELECT " + names + ", CASE WHEN " + size +
           " <= " + std::to_string(options_.max_answer_bytes) + " THEN NULL ELSE CAST('" +
           std::string(kRowTooBig) + "' || (" + size + ") AS boolean) END FROM (" + sql +
           ") AS parallax_answer(" + names + ")";
  }

  // Runs `sql` as PQexec would (the last result), but gives up when the server has not
  // answered within the timeout: the connection is dropped and remade at the next query.
  Result<PGresult*> exec(PGconn*& conn, const std::string& sql) {
    PX_ASSIGN_OR_RETURN(const Deadline deadline,
                        send(conn, sql, [&] { return PQsendQuery(conn, sql.c_str()); }));
    PGresult* last = nullptr;
    for (;;) {
      auto next = next_result(conn, deadline);
      if (!next.is_ok()) {
        if (last) PQclear(last);
        return next.status();
      }
      if (!*next) break;
      if (last) PQclear(last);
      last = *next;
    }
    if (!last) return lost(conn, PQerrorMessage(conn));
    return last;
  }

  // Connects if needed and sends the query (`send_query` calls libpq): the deadline of its
  // answer.
  template <typename Send>
  Result<Deadline> send(PGconn*& conn, const std::string& sql, Send send_query) {
    PX_RETURN_IF_ERROR(connect(conn));
    if (!send_query()) return lost(conn, PQerrorMessage(conn));
    return std::chrono::steady_clock::now() + std::chrono::seconds(options_.timeout_seconds);
  }

  // The query's next result (nullptr after the last), waiting for it until the deadline.
  // A query no longer wanted (CancelScope) is cancelled in the database: it then ends with
  // an error, which the caller reads as the last result.
  Result<PGresult*> next_result(PGconn*& conn, Deadline deadline) {
    bool cancel_sent = false;
    while (PQisBusy(conn)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return lost(conn, fmt::format("no answer within {} s", options_.timeout_seconds));
      if (!cancel_sent && CancelScope::cancelled()) {
        cancel(conn);
        cancel_sent = true;
      }
      // (In slices of 50 ms, to see a cancellation while the database works.)
      pollfd socket{PQsocket(conn), POLLIN, 0};
      const int wait = static_cast<int>(std::min<int64_t>(left.count(), 50));
      if (::poll(&socket, 1, wait) < 0 && errno != EINTR) return lost(conn, "poll failed");
      if (!PQconsumeInput(conn)) return lost(conn, PQerrorMessage(conn));
    }
    return PQgetResult(conn);
  }

  // Appends the rows of `result` to `columns`, adding their cells' bytes to `bytes`.
  // (The last field is bounded_rows' check, always null.)
  Status append_rows(const PGresult* result, std::vector<Column>& columns, uint64_t& bytes) {
    if (static_cast<size_t>(PQnfields(result)) != columns.size() + (columns.empty() ? 0 : 1))
      return Status::invalid("PostgreSQL answered other columns than asked for");
    const int rows = PQntuples(result);
    for (int row = 0; row < rows; ++row) {
      for (size_t i = 0; i < columns.size(); ++i) {
        const int field = static_cast<int>(i);
        bytes += 1;  // (a null or empty cell costs something too)
        if (PQgetisnull(result, row, field)) {
          columns[i].append_null();
          continue;
        }
        const std::string_view text(PQgetvalue(result, row, field),
                                    PQgetlength(result, row, field));
        bytes += text.size();
        PX_RETURN_IF_ERROR(append_text_cell(columns[i], text));
      }
    }
    return Status::ok();
  }

  // Stops a query whose answer is not wanted: cancelled in the database, its remaining rows
  // read and dropped a row at a time (the connection then takes the next query). A
  // connection that cannot be brought back is dropped (remade at the next query) without
  // calling the database unreachable.
  void abandon(PGconn*& conn, Deadline deadline) {
    cancel(conn);
    for (;;) {
      auto next = next_result(conn, deadline);
      if (!next.is_ok()) {
        reachable_ = true;  // (it answered: only this query was too much)
        return;
      }
      if (!*next) return;
      PQclear(*next);
    }
  }

  static void cancel(PGconn* conn) {
    if (PGcancel* cancel = PQgetCancel(conn)) {
      char error[256];
      (void)PQcancel(cancel, error, sizeof error);
      PQfreeCancel(cancel);
    }
  }

  // The connection broke or hung: it is dropped (remade at the next query).
  Status lost(PGconn*& conn, const std::string& message) {
    if (conn) PQfinish(conn);
    conn = nullptr;
    reachable_ = false;
    return Status::invalid("PostgreSQL at {} cannot be reached: {}", url_, trim(message));
  }

  static std::string trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  Status connect(PGconn*& conn) {
    if (conn && PQstatus(conn) == CONNECTION_OK) return Status::ok();
    if (conn) PQfinish(conn);
    // The URL carries no password; libpq takes it from here, PGPASSWORD or ~/.pgpass.
    const std::string timeout = std::to_string(options_.timeout_seconds);
    std::vector<const char*> keys{"dbname", "connect_timeout", "application_name"};
    std::vector<const char*> values{url_.c_str(), timeout.c_str(), "parallax"};
    if (options_.password) {
      keys.push_back("password");
      values.push_back(options_.password->c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string message = PQerrorMessage(conn);
      PQfinish(conn);
      conn = nullptr;
      reachable_ = false;
      return Status::invalid("PostgreSQL at {} cannot be reached: {}", url_, trim(message));
    }
    // Dates in ISO form and datetimes read as UTC, whatever the server's defaults.
    PQclear(PQexec(conn,
                   "SET DateStyle = 'ISO'; SET TimeZone = 'UTC'; "
                   "SET extra_float_digits = 3"));
    return Status::ok();
  }

  std::string url_;
  BackendOptions options_;
  PostgresDialect dialect_;
  // Connections no query is using: a query takes one (or connects a new one) and gives it
  // back after, so queries from several database workers run at once, each on its own.
  std::mutex idle_mutex_;
  std::vector<PGconn*> idle_;
};

}  // namespace

std::unique_ptr<Backend> make_postgres_backend(std::string url, BackendOptions options) {
  return std::make_unique<PostgresBackend>(std::move(url), std::move(options));
}

}  // namespace parallax
