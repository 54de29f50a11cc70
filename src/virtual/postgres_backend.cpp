// PostgreSQL over libpq: one connection, reset when it breaks or a query outlives the
// timeout (a hung server must not hold the engine's thread); text results. Tables are
// those of the connection's current schema (search_path), each column's type from
// information_schema, the primary key from pg_index.
#include "virtual/postgres_backend.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <vector>

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
    if (connection_) PQfinish(connection_);
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
    PX_ASSIGN_OR_RETURN(PGresult * result, exec(sql, false));
    const bool done =
        PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
    std::string message = done ? "" : PQresultErrorMessage(result);
    PQclear(result);
    if (!done) return Status::invalid("PostgreSQL at {} refused: {}", url_, trim(message));
    return Status::ok();
  }

  Result<std::vector<Column>> query(const std::string& sql,
                                    std::span<const DataType> types) override {
    PX_ASSIGN_OR_RETURN(PGresult * result, exec(sql, true));
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      std::string message = PQresultErrorMessage(result);
      PQclear(result);
      if (PQstatus(connection_) != CONNECTION_OK) {
        return lost(message);
      }
      return Status::invalid("PostgreSQL at {} refused the query: {}", url_, trim(message));
    }
    reachable_ = true;
    const int rows = PQntuples(result);
    if (static_cast<size_t>(PQnfields(result)) != types.size()) {
      PQclear(result);
      return Status::invalid("PostgreSQL answered other columns than asked for");
    }
    std::vector<Column> columns;
    for (size_t i = 0; i < types.size(); ++i) {
      Column column(types[i]);
      column.reserve(static_cast<size_t>(rows));
      for (int row = 0; row < rows; ++row) {
        if (PQgetisnull(result, row, static_cast<int>(i))) {
          column.append_null();
          continue;
        }
        const std::string_view text(PQgetvalue(result, row, static_cast<int>(i)),
                                    PQgetlength(result, row, static_cast<int>(i)));
        if (Status read = append_text_cell(column, text); !read.is_ok()) {
          PQclear(result);
          return read;
        }
      }
      columns.push_back(std::move(column));
    }
    PQclear(result);
    return columns;
  }

 private:
  // Runs `sql` as PQexec would (the last result), but gives up when the server has not
  // answered within the timeout: the connection is dropped and remade at the next query.
  Result<PGresult*> exec(const std::string& sql, bool one_statement) {
    PX_RETURN_IF_ERROR(connect());
    // A view's query goes by the extended protocol, which runs one statement only: SQL that
    // somehow held a second one (an injection) is refused whole instead of run.
    const int sent = one_statement ? PQsendQueryParams(connection_, sql.c_str(), 0, nullptr,
                                                       nullptr, nullptr, nullptr, 0)
                                   : PQsendQuery(connection_, sql.c_str());
    if (!sent) return lost(PQerrorMessage(connection_));
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(options_.timeout_seconds);
    PGresult* last = nullptr;
    for (;;) {
      while (PQisBusy(connection_)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
          if (last) PQclear(last);
          return lost(fmt::format("no answer within {} s", options_.timeout_seconds));
        }
        pollfd socket{PQsocket(connection_), POLLIN, 0};
        if (::poll(&socket, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
          if (last) PQclear(last);
          return lost("poll failed");
        }
        if (!PQconsumeInput(connection_)) {
          if (last) PQclear(last);
          return lost(PQerrorMessage(connection_));
        }
      }
      PGresult* next = PQgetResult(connection_);
      if (!next) break;
      if (last) PQclear(last);
      last = next;
    }
    if (!last) return lost(PQerrorMessage(connection_));
    return last;
  }

  // The connection broke or hung: it is dropped (remade at the next query).
  Status lost(const std::string& message) {
    if (connection_) PQfinish(connection_);
    connection_ = nullptr;
    reachable_ = false;
    return Status::invalid("PostgreSQL at {} cannot be reached: {}", url_, trim(message));
  }

  static std::string trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  Status connect() {
    if (connection_ && PQstatus(connection_) == CONNECTION_OK) return Status::ok();
    if (connection_) PQfinish(connection_);
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
    connection_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
    if (PQstatus(connection_) != CONNECTION_OK) {
      std::string message = PQerrorMessage(connection_);
      PQfinish(connection_);
      connection_ = nullptr;
      reachable_ = false;
      return Status::invalid("PostgreSQL at {} cannot be reached: {}", url_, trim(message));
    }
    // Dates in ISO form and datetimes read as UTC, whatever the server's defaults.
    PQclear(PQexec(connection_,
                   "SET DateStyle = 'ISO'; SET TimeZone = 'UTC'; "
                   "SET extra_float_digits = 3"));
    return Status::ok();
  }

  std::string url_;
  BackendOptions options_;
  PostgresDialect dialect_;
  PGconn* connection_ = nullptr;
};

}  // namespace

std::unique_ptr<Backend> make_postgres_backend(std::string url, BackendOptions options) {
  return std::make_unique<PostgresBackend>(std::move(url), std::move(options));
}

}  // namespace parallax
