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

std::string without_paths(std::string_view text) {
  constexpr std::string_view kBefore = " '\"(=:,[\n\t";
  constexpr std::string_view kEnd = " '\"),;]\n\t";
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const bool starts = text[i] == '/' && (i == 0 || kBefore.find(text[i - 1]) != kBefore.npos) &&
                        i + 1 < text.size() && text[i + 1] != '/' && text[i + 1] != ' ';
    if (!starts) {
      out += text[i++];
      continue;
    }
    size_t end = i;
    while (end < text.size() && kEnd.find(text[end]) == kEnd.npos) ++end;
    std::string_view path = text.substr(i, end - i);
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    const size_t last = path.rfind('/');
    // Two components or more ("/a/b"): only the last is shown.
    out += last == 0 ? path : path.substr(last + 1);
    i = end;
  }
  return out;
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
    append_json_string(row, without_paths(health.last_error));
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
