// A pipeline file (YAML): the hosted tables, where their rows come from, the Python
// transforms they pass through and how often they are refreshed.
//
//   script_host: local            # optional: start a script host (fresh key) for the steps
//   script_host_args: [--profile, trusted]           # optional, passed to that host
//   status_table: pipeline_status                    # optional, the default name
//   watch_interval: 250ms                            # how often source files are checked
//   tables:
//     - name: totals
//       source: {file: orders.csv}                   # CSV, JSON, NDJSON or Arrow
//       # or source: {connector: {script: "...", parameters: {...}, ...}}
//       transforms:                                  # optional, run in order
//         - {script_file: totals.py, timeout: 5}     # settings as in `parallax transform`
//       refresh: 10s                                 # optional period
//       index: region                                # optional primary key
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

namespace parallax {

struct ScriptStepSpec {
  ScriptStepSettings settings;
  bool on_local_host = false;  // gets the local script host's port and key at start
};

struct TableSpec {
  std::string name;
  std::string file;  // a file source (reread when it changes), or empty
  DataFormat file_format = DataFormat::kCsv;
  std::optional<ScriptStepSpec> connector;  // a Python connector source
  std::vector<ScriptStepSpec> transforms;
  std::optional<std::chrono::milliseconds> refresh;
  std::optional<std::string> index;
};

struct PipelineConfig {
  std::string path;  // the YAML file, for messages
  bool local_script_host = false;
  std::vector<std::string> script_host_args;
  std::string status_table = "pipeline_status";
  std::chrono::milliseconds watch_interval{250};
  std::vector<TableSpec> tables;
};

// Every error names the file, the line and the key.
Result<PipelineConfig> load_pipeline_config(const std::string& path);
Result<PipelineConfig> parse_pipeline_config(const std::string& yaml, const std::string& path);

}  // namespace parallax
