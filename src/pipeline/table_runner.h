// One hosted table's work: read its source (a file or a Python connector) and pass the rows
// through its transforms. Runs on the table's own thread, never on the engine's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/status.h"
#include "core/row_batch.h"
#include "pipeline/pipeline_config.h"
#include "scripting/script_step.h"

namespace parallax {

class TableRunner {
 public:
  explicit TableRunner(TableSpec spec);

  const TableSpec& spec() const { return spec_; }
  // A file source or a step's script file whose size, times or inode differ from when the
  // last run began (a run rereads both).
  bool source_changed() const;
  bool watches_files() const { return !watched_.empty(); }
  // The steps' parameters (connector first, then transforms; each name once), as now set.
  ScriptParameters parameters() const;
  // Sets a parameter of every step that has it, from the next run on; false when no step
  // has it or it has that value already. Any thread.
  bool set_parameter(const std::string& name, const std::string& value);
  // Whether a client may give parameter `name` `value`: a step that fills it unquoted
  // (enclose_parameters_in_quotes off, or in its time_zone) makes it part of the script's
  // code, so a client's value must be inert there: letters, digits, spaces and _ . , : / + -
  // only (no quote, bracket, parenthesis or newline that could end a string or add code).
  Status check_client_value(const std::string& name, const std::string& value) const;
  Result<RowBatch> produce();
  // The table's transforms over `batch`, in order (a live table's window).
  Result<RowBatch> transform(RowBatch batch);

 private:
  // What tells a file changed. File times tick at the kernel's clock granularity, so a
  // same-size rewrite within one tick keeps them; a writer that renames a new file into
  // place (the safe way) always changes the inode.
  struct FileSignature {
    int64_t modified_ns = 0;
    int64_t changed_ns = 0;
    uint64_t inode = 0;
    int64_t size = 0;
    bool operator==(const FileSignature&) const = default;
  };
  static std::optional<FileSignature> signature(const std::string& path);
  void remember_files();
  Result<RowBatch> read_file_source();
  Result<RowBatch> run_step(const ScriptStepSpec& step, ScriptClient& client,
                            const RowBatch* input);

  TableSpec spec_;
  std::vector<std::string> watched_;  // the file source, then script files
  std::vector<std::optional<FileSignature>> last_read_;
  mutable std::mutex parameters_mutex_;
  std::map<std::string, std::string> set_parameters_;  // set by clients
  std::unique_ptr<ScriptClient> connector_client_;
  std::vector<std::unique_ptr<ScriptClient>> transform_clients_;  // one per transform
};

}  // namespace parallax
