#include "sources/postgres_source.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include <memory>

#include "core/value_parsing.h"

namespace parallax {

namespace {

using Clock = std::chrono::steady_clock;

// Type OIDs (pg_type.h).
DataType type_of_oid(Oid oid) {
  switch (oid) {
    case 16:  // bool
      return DataType::kBoolean;
    case 20:  // int8
    case 21:  // int2
    case 23:  // int4
      return DataType::kInteger;
    case 700:   // float4
    case 701:   // float8
    case 1700:  // numeric
      return DataType::kFloat;
    case 1082:  // date
      return DataType::kDate;
    case 1114:  // timestamp
    case 1184:  // timestamptz
      return DataType::kDatetime;
    default:
      return DataType::kString;
  }
}

Status append_cell(Column& column, std::string_view text, std::string_view name) {
  const auto bad = [&] {
    return Status::invalid("column '{}': '{}' is not a {}", name, text, type_name(column.type()));
  };
  switch (column.type()) {
    case DataType::kBoolean:
      column.append<uint8_t>(text == "t" ? 1 : 0);
      break;
    case DataType::kInteger: {
      const auto value = parse_integer(text);
      if (!value) return bad();
      if (*value < INT32_MIN || *value > INT32_MAX) {
        return Status::invalid("column '{}': {} is beyond a 32-bit integer (cast it to float8)",
                               name, text);
      }
      column.append<int32_t>(static_cast<int32_t>(*value));
      break;
    }
    case DataType::kFloat: {
      const auto value = parse_float(text);
      if (!value) return bad();
      column.append<double>(*value);
      break;
    }
    case DataType::kDate: {
      const auto value = parse_date(text);
      if (!value) return bad();
      column.append<int32_t>(*value);
      break;
    }
    case DataType::kDatetime: {
      const auto value = parse_datetime(text);
      if (!value) return bad();
      column.append<int64_t>(*value);
      break;
    }
    case DataType::kString:
      column.append_string(text);
      break;
  }
  return Status::ok();
}

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
using ConnectionPtr = std::unique_ptr<PGconn, ConnectionCloser>;
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

std::string first_line(const char* text) {
  std::string line = text == nullptr ? "" : text;
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  return line;
}

// Waits up to 100 ms for `connection`'s socket; false on an error of poll itself.
bool wait_for_socket(PGconn* connection, short events) {
  pollfd socket{PQsocket(connection), events, 0};
  return ::poll(&socket, 1, 100) >= 0 || errno == EINTR;
}

// Connects without ever blocking the thread for long: libpq's non-blocking connect, polled
// every 100 ms, so a stop ends it at once and a server that accepts the connection and never
// answers is given up after `timeout` (PQconnectdb would wait for it forever, and so would
// the server's shutdown).
Result<ConnectionPtr> connect(const std::string& dsn, std::chrono::milliseconds timeout,
                              const StopSignal& stop) {
  ConnectionPtr connection(PQconnectStart(dsn.c_str()));
  if (!connection) return Status::invalid("out of memory");
  const auto deadline = Clock::now() + timeout;
  PostgresPollingStatusType polled = PGRES_POLLING_WRITING;
  while (polled != PGRES_POLLING_OK) {
    if (polled == PGRES_POLLING_FAILED || PQstatus(connection.get()) == CONNECTION_BAD)
      return Status::invalid("{}", first_line(PQerrorMessage(connection.get())));
    if (stop.requested()) return Status::invalid("stopped");
    if (Clock::now() >= deadline) {
      return Status::invalid("no answer within {} ms (connect_timeout)", timeout.count());
    }
    pollfd socket{PQsocket(connection.get()),
                  static_cast<short>(polled == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    const int ready = ::poll(&socket, 1, 100);
    if (ready < 0 && errno != EINTR) return Status::invalid("poll: {}", std::strerror(errno));
    if (ready > 0) polled = PQconnectPoll(connection.get());
  }
  return connection;
}

// Runs `sql` and answers its last result, waiting for it 100 ms at a time: a stop (or a lost
// connection) ends the wait, so a query held by a lock, or a server that stopped answering,
// never holds the thread past a stop. Null when stopped or the connection failed.
ResultPtr query(PGconn* connection, const std::string& sql, const StopSignal& stop) {
  if (!PQsendQuery(connection, sql.c_str())) return nullptr;
  ResultPtr last;
  while (true) {
    if (!PQisBusy(connection)) {
      PGresult* result = PQgetResult(connection);
      if (result == nullptr) return last;
      last.reset(result);
      continue;
    }
    if (stop.requested() || !wait_for_socket(connection, POLLIN)) return nullptr;
    if (!PQconsumeInput(connection)) return nullptr;
  }
}

Status run_command(PGconn* connection, const std::string& sql, const StopSignal& stop) {
  ResultPtr result = query(connection, sql, stop);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
    return Status::invalid("{}", first_line(PQerrorMessage(connection)));
  return Status::ok();
}

}  // namespace

Result<RowBatch> rows_of_result(const pg_result* result) {
  RowBatch batch;
  const int rows = PQntuples(result);
  const int fields = PQnfields(result);
  batch.num_rows = static_cast<size_t>(rows);
  for (int field = 0; field < fields; ++field) {
    const std::string name = PQfname(result, field);
    Column column(type_of_oid(PQftype(result, field)));
    column.reserve(batch.num_rows);
    for (int row = 0; row < rows; ++row) {
      if (PQgetisnull(result, row, field)) {
        column.append_null();
        continue;
      }
      PX_RETURN_IF_ERROR(append_cell(
          column, std::string_view(PQgetvalue(result, row, field), PQgetlength(result, row, field)),
          name));
    }
    batch.columns.push_back({name, std::move(column), {}});
  }
  return batch;
}

void PostgresSource::run(SourceSink& sink) {
  Backoff backoff(settings_.reconnect_min, settings_.reconnect_max);
  sink.set_state("connecting", "");
  ConnectionPtr connection;
  bool due = true;  // a run is due now (the first one, a period, a notification)
  auto next_period = Clock::now();
  while (!stop_.requested()) {
    if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
      auto connected = connect(settings_.dsn, settings_.connect_timeout, stop_);
      if (stop_.requested()) break;
      Status ready = connected.status();
      if (connected.is_ok()) {
        connection = std::move(connected).value();
        ready = run_command(connection.get(), "SET TIME ZONE 'UTC'", stop_);
      }
      if (ready.is_ok() && !settings_.listen.empty()) {
        char* channel =
            PQescapeIdentifier(connection.get(), settings_.listen.c_str(), settings_.listen.size());
        ready = run_command(connection.get(), std::string("LISTEN ") + channel, stop_);
        PQfreemem(channel);
      }
      if (!ready.is_ok()) {
        connection.reset();
        sink.set_state("reconnecting", "cannot reach PostgreSQL: " + ready.message());
        stop_.sleep_for(backoff.next());
        continue;
      }
      backoff.reset();
      sink.set_state("ok", "");
      due = true;  // what changed while away
    }
    if (due) {
      due = false;
      std::string sql = settings_.query;
      if (const size_t at = sql.find("{checkpoint}"); at != std::string::npos) {
        const std::string& value = checkpoint_ ? *checkpoint_ : settings_.checkpoint_start;
        char* literal = PQescapeLiteral(connection.get(), value.c_str(), value.size());
        sql.replace(at, std::string_view("{checkpoint}").size(), literal ? literal : "NULL");
        PQfreemem(literal);
      }
      ResultPtr result = query(connection.get(), sql, stop_);
      if (stop_.requested()) break;
      if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
        if (PQstatus(connection.get()) != CONNECTION_OK) {
          sink.set_state("reconnecting",
                         "lost PostgreSQL: " + first_line(PQerrorMessage(connection.get())));
          connection.reset();
          stop_.sleep_for(backoff.next());
          continue;
        }
        sink.report_error("query failed: " + first_line(PQerrorMessage(connection.get())));
      } else {
        auto rows = rows_of_result(result.get());
        if (!rows.is_ok()) {
          sink.report_error(rows.status().message());
        } else {
          if (!settings_.checkpoint.empty()) {
            const int field = PQfnumber(result.get(), settings_.checkpoint.c_str());
            const int count = PQntuples(result.get());
            if (field < 0) {
              sink.report_error("the result has no checkpoint column '" + settings_.checkpoint +
                                "'");
            } else if (count > 0 && !PQgetisnull(result.get(), count - 1, field)) {
              checkpoint_ = PQgetvalue(result.get(), count - 1, field);
            }
          }
          SourceMessage message;
          message.rows = std::move(rows).value();
          message.snapshot = settings_.checkpoint.empty();
          if (!settings_.checkpoint.empty())
            message.checkpoint = checkpoint_ ? *checkpoint_ : settings_.checkpoint_start;
          sink.deliver(std::move(message));
        }
      }
      if (settings_.refresh) next_period = Clock::now() + *settings_.refresh;
    }
    // Wait for the period, a notification or a stop (checked every 100 ms).
    pollfd socket{PQsocket(connection.get()), POLLIN, 0};
    const int ready = ::poll(&socket, 1, 100);
    if (ready > 0) {
      if (!PQconsumeInput(connection.get())) {
        sink.set_state("reconnecting",
                       "lost PostgreSQL: " + first_line(PQerrorMessage(connection.get())));
        connection.reset();
        continue;
      }
      while (PGnotify* notification = PQnotifies(connection.get())) {
        due = true;
        PQfreemem(notification);
      }
    }
    if (settings_.refresh && Clock::now() >= next_period) due = true;
  }
}

}  // namespace parallax
