// The pipeline's status table, hosted next to the tables it feeds so a viewer shows each
// table's health: state ("running", "ok", "failed"; live sources also "connecting" and
// "reconnecting"), counts of runs, failures and conflated triggers, of messages applied and
// rejected, the last success, the last error (kept until the next success) and
// how long the last run took.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/engine.h"
#include "common/status.h"

namespace parallax {

struct TableHealth {
  std::string table;
  std::string state = "starting";
  int64_t runs = 0;
  int64_t failures = 0;
  int64_t conflated = 0;  // triggers merged into a later run instead of stacked up
  int64_t rows = 0;
  int64_t messages = 0;  // live sources: messages applied
  int64_t rejected = 0;  // live sources: messages that did not parse or fit, left out whole
  std::optional<int64_t> last_success_ms;  // UTC epoch milliseconds
  std::string last_error;
  double last_run_ms = 0;
};

// What clients see of an error: absolute paths shortened to their last component, so the
// status table does not show the host's folders (the server's log keeps the full text).
std::string without_paths(std::string_view text);

Status create_status_table(Engine& engine, const std::string& name);
Status write_status_row(Engine& engine, const std::string& name, const TableHealth& health);
// As write_status_row; a failure is logged on stderr (a status row is never worth stopping for).
void log_status(Engine& engine, const std::string& name, const TableHealth& health);
// Now, as the status table's datetimes: UTC epoch milliseconds.
int64_t now_epoch_ms();

}  // namespace parallax
