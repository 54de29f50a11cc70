// Python transforms and connectors (Panopticon's settings, the restricted processor's
// semantics): a script and, for a transform, the input table go to a script host over Pyro4;
// the rows the script returns come back as a batch.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/row_batch.h"
#include "core/schema.h"
#include "scripting/arrow_exchange.h"
#include "scripting/pyro_client.h"
#include "scripting/script_parameters.h"

namespace parallax {

struct ScriptStepSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 9090;
  std::string hmac_key;
  bool pyro_compat = false;               // accept a stock Pyro4 daemon (no connection challenge)
  std::string data_object_name = "rows";  // the variable holding the input in the script
  PyroSerializer serialization = PyroSerializer::kSerpent;
  bool use_arrow = false;   // input as a pandas DataFrame, sent as Arrow IPC
  std::string script;       // the body of an async function ending in `return rows`
  std::string script_file;  // when set, `script` is reread from it at each run
  // The Pyro object and method. Parallax's host takes one request and answers columns; a
  // stock Pyro4 server (Panopticon's) is called `method(script, rows, data_object_name)`
  // with `list_of_dicts`: rows (None for a connector) and the reply are lists of dicts.
  std::string object_name = "parallax.scripthost";
  std::string method = "run";
  bool list_of_dicts = false;
  ScriptParameters parameters;
  bool enclose_parameters_in_quotes = false;
  double timeout_seconds = 10;
  std::optional<Schema> output_schema;
  std::string time_zone;          // connector: datetimes are UTC, shown on this zone's wall clock
  std::string checkpoint_column;  // DATA_CHECKPOINT: its last value from the previous run
  std::string checkpoint_file;    // where that value is kept between runs
  bool row_by_row = false;        // call the script once per input row
  std::string profile;            // "restricted" or "trusted"; empty: the host's default
};

struct ScriptLogRecord {
  std::string level;
  std::string message;
};

struct ScriptResult {
  RowBatch rows;
  std::vector<ScriptLogRecord> logs;
};

// Runs scripts on one script host, reusing connections between runs.
class ScriptClient {
 public:
  explicit ScriptClient(const ScriptStepSettings& settings);

  // A transform: `input` is the table the script sees. A connector passes nullptr.
  Result<ScriptResult> run(const ScriptStepSettings& settings, const RowBatch* input);
  // The connection test: handshake, ping and the host's description.
  Result<std::string> test_connection();

 private:
  // The host's exchange directory when this process can use it (asked once; asked again
  // after a run that used it failed, as the host may have been restarted).
  std::optional<ArrowExchange> exchange();
  // `list_of_dicts`: a stock Pyro4 server's method(script, rows, data_object_name).
  Result<ScriptResult> run_on_stock_server(const ScriptStepSettings& settings, std::string script,
                                           const RowBatch* input, const std::string& time_zone);
  void forget_exchange();

  PyroProxy proxy_;
  std::mutex exchange_mutex_;
  bool exchange_known_ = false;
  std::optional<ArrowExchange> exchange_;
};

}  // namespace parallax
