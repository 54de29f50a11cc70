// A view without grouping: the table's rows, filtered, sorted, some columns. It re-derives
// its rows lazily, on the first read after the table changed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/frame.h"
#include "core/scalar.h"
#include "core/table.h"
#include "query/filter.h"
#include "query/sort.h"
#include "query/view_config.h"

namespace parallax {

// Which slice of a view to read. Bounds are clamped to the view; fractional ones round
// outwards (a start rounds down, an end up).
struct ViewWindow {
  std::optional<double> start_row, end_row, start_col, end_col;
  bool id = false;     // add "__ID__": each row's primary key
  bool index = false;  // add "__INDEX__": each row's primary key
};

// Where a read puts the "__ID__"/"__INDEX__" columns: to_json leads with them, to_columns
// ends with them, CSV and NDJSON leave them out.
enum class KeyColumns { kNone, kLeading, kTrailing };

class FlatView {
 public:
  static Result<std::unique_ptr<FlatView>> create(const Table& table, ViewConfig config);

  const ViewConfig& config() const { return config_; }
  const Table& table() const { return *table_; }
  size_t num_rows() const;
  size_t num_columns() const { return visible_.size(); }
  // The visible columns, in order.
  std::vector<Field> schema() const;
  std::vector<std::string> column_paths() const;
  Result<std::pair<Scalar, Scalar>> min_max(const std::string& column) const;
  Frame read(const ViewWindow& window, KeyColumns keys) const;
  // Whether the window starts after its (clamped) end, which CSV reads refuse.
  bool is_inverted(const ViewWindow& window) const;

 private:
  FlatView(const Table& table, ViewConfig config) : table_(&table), config_(std::move(config)) {}
  // Recomputes the row list when the table has changed since the last read.
  void refresh() const;

  const Table* table_;
  ViewConfig config_;
  std::vector<size_t> visible_;  // table column positions
  RowFilter filter_;
  std::vector<CompiledSortKey> sort_;
  mutable std::vector<uint32_t> rows_;
  mutable std::optional<uint64_t> rows_version_;
};

}  // namespace parallax
