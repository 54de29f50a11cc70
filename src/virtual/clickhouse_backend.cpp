// ClickHouse over its HTTP interface: each query is a POST of SQL ending in
// FORMAT TabSeparated, the answer read as tab-separated escaped text. Written for 18.16
// (Debian 12) and current releases alike: only functions both have (startsWith, endsWith,
// positionCaseSensitive via position, toUnixTimestamp, toFloat64, count(DISTINCT)) and
// system.tables / system.columns columns both have.
#include "virtual/clickhouse_backend.h"

#include <openssl/evp.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "virtual/query_cancel.h"
#include "virtual/text_cells.h"

namespace parallax {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

class ClickHouseDialect final : public SqlDialect {
 public:
  SqlFlavor flavor() const override { return SqlFlavor::kClickHouse; }
  std::string identifier(std::string_view name) const override {
    std::string out = "`";
    for (const char c : name) {
      if (c == '`' || c == '\\') out += '\\';
      out += c;
    }
    return out + "`";
  }
  std::string string_literal(std::string_view text) const override {
    std::string out = "'";
    for (const char c : text) {
      if (c == '\0') {
        out += "\\0";  // (as its escape: the query text holds no NUL byte)
        continue;
      }
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return out + "'";
  }
  std::string bytewise(const std::string& expr) const override { return expr; }
  std::string lower_ascii(const std::string& expr) const override {
    return "lower(" + expr + ")";  // lowerUTF8 is the one that lower-cases beyond ASCII
  }
  std::string starts_with(const std::string& expr, const std::string& literal) const override {
    return "startsWith(" + expr + ", " + literal + ")";
  }
  std::string ends_with(const std::string& expr, const std::string& literal) const override {
    return "endsWith(" + expr + ", " + literal + ")";
  }
  std::string contains(const std::string& expr, const std::string& literal) const override {
    return "(position(" + expr + ", " + literal + ") > 0)";
  }
  std::string date_literal(int32_t days) const override {
    return "toDate(" + std::to_string(days) + ")";
  }
  std::string epoch_millis(const std::string& expr) const override {
    return "(toInt64(toUnixTimestamp(" + expr + ")) * 1000)";
  }
  std::string boolean_number(const std::string& expr) const override {
    return "toUInt8(" + expr + ")";
  }
  std::string as_float(const std::string& expr) const override { return "toFloat64(" + expr + ")"; }
  // argMin skips the rows whose Nullable value is null: whether the row with the lowest key
  // holds a null is asked apart (isNull is never null). (A tuple keeping the null crashes a
  // 18.16 shard answering a Distributed table.)
  std::string value_by_key(const std::string& expr, const std::string& key,
                           bool last) const override {
    const std::string pick = last ? "argMax(" : "argMin(";
    return "CASE WHEN " + pick + "isNull(" + expr + "), " + key + ") = 1 THEN NULL ELSE " + pick +
           expr + ", " + key + ") END";
  }
  // As value_by_key, ordered by a tuple (argMin of a tuple *value* is what crashed a shard).
  std::string value_by_order(const std::string& expr, const std::string& number,
                             std::span<const std::string> keys, bool highest) const override {
    std::string order =
        highest ? "tuple(isNull(" + number + "), coalesce(toFloat64(" + number + "), 0) * -1"
                : "tuple(isNotNull(" + number + "), coalesce(toFloat64(" + number + "), 0)";
    for (const auto& key : keys) order += ", isNotNull(" + key + "), assumeNotNull(" + key + ")";
    order += ")";
    return "CASE WHEN argMin(isNull(" + expr + "), " + order + ") = 1 THEN NULL ELSE argMin(" +
           expr + ", " + order + ") END";
  }
  // (groupArray skips nulls; strings sort byte-wise.)
  std::string nth_smallest(const std::string& expr, const std::string& index,
                           DataType) const override {
    return "arrayElement(arraySort(groupArray(" + expr + ")), toInt64(" + index + "))";
  }
  // The non-null cells sorted (groupArray skips nulls, strings sort byte-wise): each equal
  // run is contiguous, arrayEnumerateUniq numbers a value's cells 1, 2, ..., so the first
  // cell numbered with the highest count is in the run of the smallest most frequent value.
  std::string most_frequent(const std::string& expr, DataType type) const override {
    return "arrayElement(" + sorted_cells(expr) + ", indexOf(arrayEnumerateUniq(" +
           sorted_cells(expr) + "), " + top_frequency(expr, type) + "))";
  }
  std::string top_frequency(const std::string& expr, DataType) const override {
    return "arrayReduce('max', arrayEnumerateUniq(" + sorted_cells(expr) + "))";
  }
  static std::string sorted_cells(const std::string& expr) {
    return "arraySort(groupArray(" + expr + "))";
  }
  std::string int_div(const std::string& a, const std::string& b) const override {
    return "intDiv(" + a + ", " + b + ")";
  }
  std::string variance(const std::string& expr) const override {
    return "varPop(toFloat64(" + expr + "))";
  }
  std::string deviation(const std::string& expr) const override {
    return "stddevPop(toFloat64(" + expr + "))";
  }
};

std::string base64(std::string_view text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

// Unwraps Nullable(...) and LowCardinality(...).
std::string_view bare_type(std::string_view type) {
  for (const std::string_view wrapper : {"Nullable(", "LowCardinality("}) {
    if (type.starts_with(wrapper) && type.ends_with(")")) {
      type = type.substr(wrapper.size(), type.size() - wrapper.size() - 1);
    }
  }
  return type;
}

bool is_enum(std::string_view type) {
  return bare_type(type).starts_with("Enum");
}

// An Enum column read as its text (ClickHouse compares and sorts Enums by number, the engine
// text by its bytes), or "" when its type does not parse. 18.16 cannot convert a
// Nullable(Enum) to text (it converts the null rows' 0 too and fails), so those go through
// their numbers: `type` lists each name as a quoted literal and its number.
std::string enum_as_text(const std::string& column, std::string_view type) {
  const std::string_view bare = bare_type(type);
  if (!type.starts_with("Nullable(")) return "toString(" + column + ")";
  const bool wide = bare.starts_with("Enum16(");
  std::string numbers, names;
  size_t at = bare.find('(') + 1;
  while (at < bare.size() && bare[at] == '\'') {
    size_t end = at + 1;
    while (end < bare.size() && bare[end] != '\'') end += bare[end] == '\\' ? 2 : 1;
    if (end >= bare.size()) return "";
    const std::string_view name = bare.substr(at, end + 1 - at);
    const size_t digits = bare.find_first_of("-0123456789", end + 1);
    const size_t stop = bare.find_first_of(",)", end + 1);
    if (digits == std::string_view::npos || stop == std::string_view::npos || digits > stop)
      return "";
    numbers += (numbers.empty() ? "" : ", ") + std::string(bare.substr(digits, stop - digits));
    names += (names.empty() ? "" : ", ") + std::string(name);
    if (bare[stop] == ')') break;
    at = bare.find_first_not_of(' ', stop + 1);
  }
  if (numbers.empty()) return "";
  return "if(isNull(" + column + "), NULL, transform(assumeNotNull(CAST(" + column +
         (wide ? " AS Nullable(Int16)" : " AS Nullable(Int8)") + ")), [" + numbers + "], [" +
         names + "], ''))";
}

// A ClickHouse type as a Parallax type: nullopt when there is none (arrays, maps, ...).
// 64-bit and unsigned 32-bit integers are floats: Parallax integers are 32-bit, and a float
// holds them exactly up to 2^53.
std::optional<DataType> parallax_type(std::string_view type) {
  type = bare_type(type);
  if (type == "Int8" || type == "Int16" || type == "Int32" || type == "UInt8" || type == "UInt16")
    return DataType::kInteger;
  if (type == "Int64" || type == "UInt32" || type == "UInt64" || type == "Float32" ||
      type == "Float64" || type.starts_with("Decimal"))
    return DataType::kFloat;
  if (type == "String" || type.starts_with("FixedString") || type.starts_with("Enum"))
    return DataType::kString;
  if (type == "Date") return DataType::kDate;
  if (type == "DateTime" || type.starts_with("DateTime(")) return DataType::kDatetime;
  if (type == "Bool") return DataType::kBoolean;
  return std::nullopt;
}

class ClickHouseBackend final : public Backend {
 public:
  ClickHouseBackend(std::string url, std::string host, std::string port, std::string user,
                    std::string database, BackendOptions options)
      : url_(std::move(url)),
        host_(std::move(host)),
        port_(std::move(port)),
        user_(std::move(user)),
        database_(std::move(database)),
        options_(std::move(options)) {}

  std::string_view kind() const override { return "clickhouse"; }
  const std::string& url() const override { return url_; }
  const SqlDialect& dialect() const override { return dialect_; }

  Result<std::vector<BackendTable>> tables() override {
    const DataType text[] = {DataType::kString, DataType::kString, DataType::kString,
                             DataType::kString};
    PX_ASSIGN_OR_RETURN(
        std::vector<Column> columns,
        query("SELECT table, name, type, toString(is_in_primary_key) FROM system.columns "
              "WHERE database = currentDatabase()",
              text));
    std::vector<BackendTable> tables;
    std::vector<std::vector<std::string>> keys;
    for (size_t row = 0; row < columns[0].size(); ++row) {
      const std::string table(columns[0].string_at(row)), name(columns[1].string_at(row));
      const std::string type(columns[2].string_at(row));
      if (tables.empty() || tables.back().name != table) {
        tables.push_back({table, {}, std::nullopt, {}});
        keys.emplace_back();
      }
      const auto mapped = parallax_type(type);
      if (!mapped) {
        tables.back().skipped.push_back(name + " (" + type + ")");
        continue;
      }
      std::string sql;
      if (is_enum(type)) {
        sql = enum_as_text(dialect_.identifier(name), type);
        if (sql.empty()) {
          tables.back().skipped.push_back(name + " (" + type + ")");
          continue;
        }
      }
      tables.back().schema.add({name, *mapped});
      tables.back().column_sql.push_back(std::move(sql));
      if (columns[3].string_at(row) == "1") keys.back().push_back(name);
    }
    for (size_t i = 0; i < tables.size(); ++i) {
      if (keys[i].size() == 1) tables[i].key = keys[i][0];
    }
    return tables;
  }

  Status execute(const std::string& sql) override { return post(sql).status(); }

  // One query (18.16 and current releases): the table's engine, and of its active parts
  // their count, rows and names hashed (any insert, merge or mutation makes new parts), with
  // its mutations (current releases may show a mutation's rows before rewriting parts).
  // Only a *MergeTree has parts: of the others (a Distributed table's live on its shards) the
  // database tells nothing cheaply, so their views always rerun.
  Result<std::optional<std::string>> change_hint(const std::string& table) override {
    const std::string name = dialect_.string_literal(table);
    const std::string where = "database = currentDatabase() AND table = " + name;
    const DataType text[] = {DataType::kString, DataType::kString, DataType::kString};
    PX_ASSIGN_OR_RETURN(
        std::vector<Column> columns,
        query("SELECT engine, (SELECT concat(toString(count()), ':', toString(sum(rows)), ':', "
              "toString(sum(cityHash64(name)))) FROM system.parts WHERE " +
                  where +
                  " AND active), (SELECT concat(toString(count()), ':', "
                  "toString(sum(cityHash64(mutation_id))), ':', toString(sum(is_done))) "
                  "FROM system.mutations WHERE " +
                  where +
                  ") FROM system.tables "
                  "WHERE database = currentDatabase() AND name = " +
                  name,
              text));
    if (columns[0].size() != 1 || columns[0].is_null(0))
      return Status::not_found("ClickHouse at {} has no table {}", url_, name);
    const std::string_view engine = columns[0].string_at(0);
    if (!engine.ends_with("MergeTree")) return std::optional<std::string>();
    std::string hint(engine);
    for (size_t i = 1; i < 3; ++i) {
      hint += '|';
      if (!columns[i].is_null(0)) hint += columns[i].string_at(0);
    }
    return std::optional<std::string>(std::move(hint));
  }

  Result<std::vector<Column>> query(const std::string& sql,
                                    std::span<const DataType> types) override {
    ++queries_sent_;
    PX_ASSIGN_OR_RETURN(std::string body, post(sql + " FORMAT TabSeparated"));
    // A query that fails after ClickHouse sent its first rows still answers 200: the error
    // is the body's last line (18.16: "Code: 241, e.displayText() = DB::Exception: ...",
    // later releases "Code: 241. DB::Exception: ..."), which would otherwise be read as a
    // row (a split column named after the error).
    std::string_view last(body);
    if (last.ends_with('\n')) last.remove_suffix(1);
    last = last.substr(last.rfind('\n') == std::string_view::npos ? 0 : last.rfind('\n') + 1);
    if (last.starts_with("Code: ") && last.find("DB::Exception") != std::string_view::npos) {
      return Status::invalid("ClickHouse at {} failed while answering: {}", url_,
                             last.substr(0, 1024));
    }
    return read_tab_separated(body, types);
  }

 private:
  Result<std::string> post(const std::string& sql) {
    try {
      boost::asio::io_context context;
      tcp::resolver resolver(context);
      beast::tcp_stream stream(context);
      http::request<http::string_body> request(http::verb::post, "/?database=" + database_, 11);
      request.set(http::field::host, host_);
      request.set(http::field::authorization,
                  "Basic " + base64(user_ + ":" + options_.password.value_or("")));
      request.body() = sql;
      request.prepare_payload();
      beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(options_.max_answer_bytes);
      // Asynchronous, because only asynchronous operations honour tcp_stream's deadline: a
      // hung server gives an error after the timeout instead of holding the engine's thread.
      stream.expires_after(std::chrono::seconds(options_.timeout_seconds));
      beast::error_code failure;
      stream.async_connect(resolver.resolve(host_, port_), [&](beast::error_code error, auto) {
        if (error) {
          failure = error;
          return;
        }
        http::async_write(stream, request, [&](beast::error_code error, size_t) {
          if (error) {
            failure = error;
            return;
          }
          http::async_read(stream, buffer, parser,
                           [&](beast::error_code error, size_t) { failure = error; });
        });
      });
      // In slices, so that a query no longer wanted (CancelScope) is hung up on: closing the
      // connection makes ClickHouse stop the query (it checks its client between blocks).
      bool cancelled = false;
      while (!context.stopped()) {
        context.run_for(std::chrono::milliseconds(50));
        if (!cancelled && !context.stopped() && CancelScope::cancelled()) {
          cancelled = true;
          stream.close();
        }
      }
      if (cancelled) return Status::invalid("ClickHouse at {}: the query was cancelled", url_);
      if (failure == http::error::body_limit) {
        return Status::invalid(
            "ClickHouse at {} answered more than {} MB, the most one query may answer: "
            "filter the view or ask for fewer rows, groups or split columns",
            url_, options_.max_answer_bytes >> 20);
      }
      if (failure) throw beast::system_error(failure);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      auto response = parser.release();
      reachable_ = true;
      if (response.result() != http::status::ok) {
        std::string message = response.body();
        // (Its first KB: the rest of a long error is the database's, not the client's, concern.)
        constexpr size_t kShown = 1024;
        if (message.size() > kShown) message = message.substr(0, kShown) + "...";
        while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
          message.pop_back();
        return Status::invalid("ClickHouse at {} refused the query: {}", url_, message);
      }
      return std::move(response.body());
    } catch (const std::exception& error) {
      reachable_ = false;
      return Status::invalid("ClickHouse at {} cannot be reached: {}", url_, error.what());
    }
  }

  std::string url_, host_, port_, user_, database_;
  BackendOptions options_;
  ClickHouseDialect dialect_;
};

}  // namespace

std::unique_ptr<Backend> make_clickhouse_backend(std::string url, std::string host,
                                                 std::string port, std::string user,
                                                 std::string database, BackendOptions options) {
  return std::make_unique<ClickHouseBackend>(std::move(url), std::move(host), std::move(port),
                                             std::move(user), std::move(database),
                                             std::move(options));
}

}  // namespace parallax
