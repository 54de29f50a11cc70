// A pipeline file (YAML): the hosted tables, where their rows come from, the Python
// transforms they pass through and how often they are refreshed.
//
//   script_host: local            # optional: start a script host (fresh key) for the steps
//   script_host_args: [--profile, trusted]           # optional, passed to that host
//   status_table: pipeline_status                    # optional, the default name
//   parameters_table: pipeline_parameters            # optional: parameters clients set
//   watch_interval: 250ms                            # how often source files are checked
//   tables:
//     - name: totals
//       source: {file: orders.csv}                   # CSV, JSON, NDJSON or Arrow
//       # or source: {connector: {script: "...", parameters: {...}, ...}}
//       transforms:                                  # optional, run in order
//         - {script_file: totals.py, timeout: 5}     # settings as in `parallax transform`
//       refresh: 10s                                 # optional period
//       index: region                                # optional primary key
//       mode: replace                                # or append, upsert (needs index)
//       limit: 100000                                # optional, as the table option
//     - name: ticks                                  # live sources: brokers, databases,
//       source: {mqtt: {url: "mqtt://127.0.0.1", topic: "ticks/#", format: json}}
//       # or {amqp: {url, queue, format}}, {postgres: {dsn, query, checkpoint, listen}},
//       # or {table: other_hosted_table}
//     - name: big_orders                             # read in place (docs/virtual-tables.md):
//       source: {clickhouse: {url: "clickhouse://reader@10.0.0.5:8123/sales", table: orders,
//                             password_file: ch.pw}}  # or password_env: NAME; timeout: 60
//       mode: virtual                                # or {postgres: {url (or dsn), table, ...}}
//       real_time_limit: 250ms                       # apply what arrived at most this often
//       max_queued_mb: 256                           # received, not yet applied, at most
//       max_decoded_mb: 1024                         # a window's messages decoded, at most
//       transform_input: batch                       # or table: transforms see every row
//       schema: {symbol: string, price: float}       # optional: live tables' column types
//
// Steps without `port` use the local script host when there is one. Relative paths are read
// from the pipeline file's folder.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "api/table_data.h"
#include "common/status.h"
#include "scripting/script_step.h"
#include "sources/amqp_source.h"
#include "sources/message_format.h"
#include "sources/mqtt_source.h"
#include "sources/postgres_source.h"
#include "virtual/credentials.h"

namespace parallax {

struct ScriptStepSpec {
  ScriptStepSettings settings;
  bool on_local_host = false;  // gets the local script host's port and key at start
};

// How a run's or a window's rows change the table: replace every row, append them, or upsert
// them by the index.
enum class TableMode { kReplace, kAppend, kUpsert };
// What a live table's transforms are given each window: the window's rows, or every row the
// source has given so far (kept with the table's mode and index).
enum class TransformInput { kBatch, kTable };

// A table read in place (mode: virtual): its rows stay in ClickHouse or PostgreSQL and its
// views run as SQL there (src/virtual).
struct VirtualSourceSpec {
  std::string url;           // clickhouse://... or postgres://..., never with a password
  std::string table;         // the database's table
  PasswordSource password;   // password_file (resolved), password_env
  int timeout_seconds = 60;  // timeout: a query slower than this counts as unreachable
};

struct TableSpec {
  std::string name;
  std::string file;  // a file source (reread when it changes), or empty
  DataFormat file_format = DataFormat::kCsv;
  std::optional<ScriptStepSpec> connector;  // a Python connector source
  std::vector<ScriptStepSpec> transforms;
  std::optional<std::chrono::milliseconds> refresh;
  std::optional<std::string> index;
  TableMode mode = TableMode::kReplace;
  std::optional<uint32_t> limit;
  // Live sources (at most one, instead of file or connector).
  std::optional<MqttSettings> mqtt;
  std::optional<AmqpSettings> amqp;
  std::optional<PostgresSettings> postgres;
  std::string feed_table;                           // another hosted table's changes
  std::optional<VirtualSourceSpec> virtual_source;  // mode: virtual (nothing else is set)
  MessageFormat message_format = MessageFormat::kJson;
  // The columns and types of a live table, so it is hosted (empty) from the start and no
  // message's types are guessed; without it the first good message's types are kept.
  std::optional<Schema> schema;
  std::chrono::milliseconds real_time_limit{0};
  TransformInput transform_input = TransformInput::kBatch;
  // Messages received and not yet applied, at most: past it the source stops reading from
  // its broker until the table catches up (the broker holds the rest, by its own limits).
  size_t max_queued_bytes = size_t{256} << 20;
  // What one window's messages may decode to, at most (a message alone past it is rejected;
  // messages past it with others are left for the next window): decoding can make far more
  // than the bytes received (LZ4 Arrow, sparse JSON rows).
  size_t max_decoded_bytes = size_t{1024} << 20;

  bool live() const { return mqtt || amqp || postgres || !feed_table.empty(); }
};

struct PipelineConfig {
  std::string path;  // the YAML file, for messages
  bool local_script_host = false;
  std::vector<std::string> script_host_args;
  std::string status_table = "pipeline_status";
  // Clients set the steps' parameters of file and connector tables here (one row per table
  // and parameter); a change reruns the table.
  std::string parameters_table = "pipeline_parameters";
  std::chrono::milliseconds watch_interval{250};
  // Where checkpointed tables keep their rows and checkpoints across restarts (TABLE.log);
  // empty: FILE.state beside the pipeline file (its .yaml/.yml dropped). `serve --state-dir`.
  std::string state_dir;
  std::vector<TableSpec> tables;
};

// Every error names the file, the line and the key.
Result<PipelineConfig> load_pipeline_config(const std::string& path);
Result<PipelineConfig> parse_pipeline_config(const std::string& yaml, const std::string& path);

}  // namespace parallax
