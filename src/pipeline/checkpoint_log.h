// A checkpointed table's rows and checkpoint on disk, so that a restarted Parallax resumes
// where it stopped: the rows it had are back, and the query goes on from the checkpoint (no
// row is read twice or lost). One file per table: a key line (what the rows came from: a
// log of another query is not used), then one record per applied window: its checkpoint, its
// rows as an Arrow IPC stream, whether they replaced the table, and a checksum. A record is
// appended and flushed to disk after its rows were applied, so a crash loses at most rows
// that were not yet acknowledged by the log (and are read again from the checkpoint before
// them); a torn last record is ignored. `rewrite` compacts the log into one record (written
// to a temporary file and renamed over it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/row_batch.h"

namespace parallax {

class CheckpointLog {
 public:
  struct Record {
    std::string checkpoint;
    RowBatch rows;
    bool replace = false;  // the rows replaced the table's (else appended or upserted)
  };

  // `key`: what the rows come from (the query and its checkpoint column).
  CheckpointLog(std::string path, std::string key) : path_(std::move(path)), key_(std::move(key)) {}

  const std::string& path() const { return path_; }

  // The records, in order; none when there is no log or it is another key's. A torn or
  // corrupt record ends the log (it and what follows are dropped at the next write).
  Result<std::vector<Record>> read();
  // Adds a record (flushed to disk before it returns); a replacing record rewrites the log.
  Status append(const std::string& checkpoint, const RowBatch& rows, bool replace);
  // The log as one record holding every row of the table.
  Status rewrite(const std::string& checkpoint, const RowBatch& rows);
  // Bytes written since the last rewrite, and the size of that rewrite: the log is
  // compacted when the first outgrows the second (see LiveTable).
  uint64_t appended_bytes() const { return appended_; }
  uint64_t base_bytes() const { return base_; }

 private:
  std::string path_, key_;
  bool valid_ = false;     // the file on disk holds this key and only whole records
  uint64_t appended_ = 0;  // since the last rewrite
  uint64_t base_ = 0;
};

}  // namespace parallax
