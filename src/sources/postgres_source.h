// PostgreSQL (libpq): runs a query on a period, and at once when a LISTEN channel is notified.
// With a checkpoint column, the query's {checkpoint} is replaced by the last row's value of
// that column (as a quoted literal; the query orders by it), so each run brings only newer
// rows; the checkpoint is kept across lost connections. Without one, each result is the
// table's whole content. Result columns are typed from the column types (int2/int4/int8 ->
// integer, float/numeric -> float, bool, date, timestamp[tz] -> datetime, the rest string);
// the session's time zone is UTC. Reconnects with backoff. Connections and queries are waited
// for 100 ms at a time, so a stop never waits for a silent server or a query held by a lock.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/status.h"
#include "core/row_batch.h"
#include "sources/source.h"

struct pg_result;

namespace parallax {

struct PostgresSettings {
  std::string dsn;  // libpq's "host=... port=... dbname=..." or a postgresql:// URL
  std::string query;
  std::string checkpoint;                      // a column of the result, or empty
  std::string checkpoint_start = "-infinity";  // {checkpoint} before any row was seen
  std::string listen;                          // a channel, or empty
  std::optional<std::chrono::milliseconds> refresh;
  std::chrono::milliseconds connect_timeout{10000};  // a server that accepts and never answers
  std::chrono::milliseconds reconnect_min{250}, reconnect_max{10000};
};

class PostgresSource : public ThreadedSource {
 public:
  explicit PostgresSource(PostgresSettings settings) : settings_(std::move(settings)) {}
  ~PostgresSource() override { stop(); }

 private:
  void run(SourceSink& sink) override;
  std::vector<std::string> secrets() const override { return dsn_passwords(settings_.dsn); }

  PostgresSettings settings_;
  std::optional<std::string> checkpoint_;  // the last value seen
};

// A query result as rows (exposed for tests).
Result<RowBatch> rows_of_result(const pg_result* result);

}  // namespace parallax
