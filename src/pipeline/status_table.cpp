#include "pipeline/status_table.h"

#include <chrono>
#include <cstdio>

#include "common/number_format.h"
#include "formats/json_writer.h"

namespace parallax {

Status create_status_table(Engine& engine, const std::string& name) {
  Schema schema({{"table", DataType::kString},
                 {"state", DataType::kString},
                 {"runs", DataType::kInteger},
                 {"failures", DataType::kInteger},
                 {"conflated", DataType::kInteger},
                 {"rows", DataType::kInteger},
                 {"messages", DataType::kInteger},
                 {"rejected", DataType::kInteger},
                 {"last_success", DataType::kDatetime},
                 {"last_error", DataType::kString},
                 {"last_run_ms", DataType::kFloat}});
  TableOptions options;
  options.index = "table";
  return engine.create_table(name, std::move(schema), options);
}

Status write_status_row(Engine& engine, const std::string& name, const TableHealth& health) {
  std::string row = "[{\"table\":";
  append_json_string(row, health.table);
  row += ",\"state\":";
  append_json_string(row, health.state);
  row += fmt::format(
      ",\"runs\":{},\"failures\":{},\"conflated\":{},\"rows\":{},\"messages\":{},\"rejected\":{}",
      health.runs, health.failures, health.conflated, health.rows, health.messages,
      health.rejected);
  row += ",\"last_success\":";
  row += health.last_success_ms ? std::to_string(*health.last_success_ms) : "null";
  row += ",\"last_error\":";
  if (health.last_error.empty()) {
    row += "null";
  } else {
    append_json_string(row, health.last_error);
  }
  row += ",\"last_run_ms\":";
  append_number(row, health.last_run_ms);
  row += "}]";
  return engine.update(name, TableData{std::move(row), DataFormat::kJson});
}

void log_status(Engine& engine, const std::string& name, const TableHealth& health) {
  const Status written = write_status_row(engine, name, health);
  if (!written.is_ok()) {
    std::fprintf(stderr, "parallax pipeline: cannot update '%s': %s\n", name.c_str(),
                 written.message().c_str());
  }
}

int64_t now_epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace parallax
