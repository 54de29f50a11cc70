// A live in-memory table: typed columns, an optional primary key (updates upsert by key),
// an optional row limit (the oldest rows are overwritten).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "common/status.h"
#include "core/change_set.h"
#include "core/column.h"
#include "core/row_batch.h"
#include "core/scalar.h"
#include "core/schema.h"

namespace parallax {

struct TableOptions {
  std::string name;
  std::optional<std::string> index;  // primary key column
  std::optional<uint32_t> limit;     // at most this many rows
};

class Table {
 public:
  static Result<std::unique_ptr<Table>> create(Schema schema, TableOptions options);

  const Schema& schema() const { return schema_; }
  const TableOptions& options() const { return options_; }
  size_t num_rows() const { return num_rows_; }
  const Column& column(size_t position) const { return columns_[position]; }
  std::optional<size_t> index_position() const { return index_position_; }
  // Bumped by every change, so views can tell that they are stale.
  uint64_t version() const { return version_; }

  // Upserts (with an index) or appends (without) the batch. Columns the batch lacks are
  // left alone on existing rows and null on new ones. Fails without changing anything.
  Result<ChangeSet> update(const RowBatch& batch);
  // The first load of a new table: as update, except that when a key repeats within the
  // batch, a null does not overwrite an earlier value (the reference's behaviour).
  Result<ChangeSet> load(const RowBatch& batch);
  // Removes the rows whose primary key is in `keys` (unknown keys are ignored).
  Result<ChangeSet> remove(const std::vector<Scalar>& keys);
  ChangeSet clear();
  // Drops every row, then loads `batch`.
  Result<ChangeSet> replace(const RowBatch& batch);

  // Rows in the order a view without sort shows them: by primary key with an index,
  // otherwise oldest first.
  std::vector<uint32_t> rows_in_natural_order() const;
  // Whether `rows` is still what rows_in_natural_order answers (one pass, no sort): upserts
  // of existing keys leave the order alone, so views can keep theirs.
  bool is_natural_order(const std::vector<uint32_t>& rows) const;
  // Whether row `a` comes before row `b` in natural order.
  bool natural_less(uint32_t a, uint32_t b) const;
  // The same order for two primary key cells, each from a column of the index's type (a
  // removal's removed_cells hold keys that are no longer in the table).
  static bool key_less(const Column& a_keys, uint32_t a, const Column& b_keys, uint32_t b);
  // The primary key of `row`. Without an index, rows are keyed by an implicit id: the count
  // of rows appended before it since the table was made (never reset, as the reference).
  Scalar key_of(uint32_t row) const;
  size_t memory_bytes() const;

 private:
  Table(Schema schema, TableOptions options);
  Status check_batch(const RowBatch& batch) const;
  Result<ChangeSet> apply(const RowBatch& batch, bool initial_load);
  // The hashed form of a primary key cell: integers, dates, datetimes and booleans as
  // themselves, floats by bit pattern, strings by dictionary code (codes never change).
  int64_t key_hash_of_row(uint32_t row) const;
  void remove_row(uint32_t row);

  Schema schema_;
  TableOptions options_;
  std::vector<Column> columns_;
  size_t num_rows_ = 0;
  std::optional<size_t> index_position_;
  absl::flat_hash_map<int64_t, uint32_t> rows_by_key_;
  std::optional<uint32_t> null_key_row_;  // the row whose key is null, if any
  // With a limit, the slot the next new row overwrites once the table is full.
  uint32_t next_overwrite_ = 0;
  uint64_t rows_appended_ = 0;  // implicit ids handed out (tables without an index)
  uint64_t version_ = 0;
};

}  // namespace parallax
