// The pipeline's status table, hosted next to the tables it feeds so a viewer shows each
// table's health: state ("running", "ok", "failed"), counts of runs, failures and
// conflated triggers, the last success, the last error (kept until the next success) and
// how long the last run took.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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
  std::optional<int64_t> last_success_ms;  // UTC epoch milliseconds
  std::string last_error;
  double last_run_ms = 0;
};

Status create_status_table(Engine& engine, const std::string& name);
Status write_status_row(Engine& engine, const std::string& name, const TableHealth& health);

}  // namespace parallax
