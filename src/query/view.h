// What every view offers its readers (api, server, Python), whether it shows the table's
// rows (FlatView) or groups of them (GroupedView). View::create picks the kind from the
// config, so front ends never need to know which one they hold.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/task_pool.h"
#include "core/frame.h"
#include "core/scalar.h"
#include "core/schema.h"
#include "core/table.h"
#include "query/view_config.h"

namespace parallax {

// Which slice of a view to read. Bounds are clamped to the view; fractional ones round
// outwards (a start rounds down, an end up).
struct ViewWindow {
  std::optional<double> start_row, end_row, start_col, end_col;
  bool id = false;           // add "__ID__": each row's primary key
  bool index = false;        // add "__INDEX__": each row's primary key
  bool leaves_only = false;  // grouped views: only rows at the deepest group level
  bool formatted = false;    // JSON reads: dates and datetimes as text (api/view_output)
};

// Clamps a window bound to [0, size]; starts round down, ends round up; none means `fallback`.
size_t clamp_window_bound(std::optional<double> bound, size_t fallback, size_t size, bool is_end);

// A grouped view's column window [start, end) of its `columns` (split combinations x
// `values` shown columns, or the `values` alone without split_by). Sort entries on columns
// the view does not show (`hidden`): the reference adds a hidden column for each after the
// shown ones of every combination (or of the single group without split_by), and counts a
// window's columns among all of them, its end as (H + 1) * end + H (probed:
// cases/grouped_hidden_sort_window.jsonl). Such a window shows more columns than it asks for.
std::pair<size_t, size_t> split_column_window(const ViewWindow& window, size_t columns,
                                              size_t values, size_t hidden);

// A column of `size` cells holding, at positions[i], the primary key of table row rows[i]
// (the "__ID__" and "__INDEX__" columns of reads).
Column primary_keys(const Table& table, std::span<const uint32_t> positions,
                    std::span<const uint32_t> rows, size_t size);

// Where a read puts the "__ID__"/"__INDEX__" columns: to_json leads with them, to_columns
// of a flat view ends with them (grouped views lead), CSV, NDJSON and Arrow leave them out
// (and, as the reference's, ignore leaves_only).
enum class KeyColumns { kNone, kLeading, kTrailing };

class View {
 public:
  // A flat view without group_by/split_by, a grouped view otherwise. A grouped view builds on
  // `pool`'s threads when given (the engine's), with the same result as on one.
  static Result<std::unique_ptr<View>> create(const Table& table, ViewConfig config,
                                              TaskPool* pool = nullptr);
  virtual ~View() = default;

  // The config as get_config answers it (defaults filled in).
  virtual const ViewConfig& config() const = 0;
  virtual const Table& table() const = 0;
  // The rows of the table it views (views of tables held elsewhere count them there).
  virtual size_t num_table_rows() const { return table().num_rows(); }
  virtual size_t num_rows() const = 0;
  // Columns of data, not counting the row path.
  virtual size_t num_columns() const = 0;
  // The type of each visible column (aggregated types for grouped views), by column name.
  virtual std::vector<Field> schema() const = 0;
  // The names of the data columns in output order ("x|y|price" with split_by).
  virtual std::vector<std::string> column_paths() const = 0;
  virtual Result<std::pair<Scalar, Scalar>> min_max(const std::string& column) const = 0;
  // The window's cells. Grouped views lead with a "__ROW_PATH__" column.
  virtual Frame read(const ViewWindow& window, KeyColumns keys) const = 0;
  // Whether the window starts after its (clamped) end, which CSV reads refuse.
  virtual bool is_inverted(const ViewWindow& window) const = 0;
  // An error when the view cannot read this window (an option it does not support).
  virtual Status check_window(const ViewWindow& window) const { return Status::ok(); }

  // The type of each expression column of the config, in config order.
  virtual std::vector<Field> expression_schema() const = 0;
  // Called after every change of the table, with what it changed (views that keep state
  // follow it incrementally; others re-derive at their next refresh).
  virtual void table_changed(const ChangeSet& changes) {}
  // Brings the view up to date with its table: a view that could not follow a change
  // rebuilds here. The reads above are const and change nothing; they read the view as of
  // its last refresh (api::Engine refreshes a view before it hands it to readers, and debug
  // builds check that grouped views are current when read).
  virtual void refresh() {}
  // Whether the view reflects its table's current version.
  virtual bool is_current() const { return true; }
  // Starts tracking which rows each change alters, for read_changed (a ROW-mode
  // subscription starts it).
  virtual void track_changes() {}
  // The view's rows that `changes` (the table's last change, already followed and refreshed)
  // added or updated, every data column, in view order, no row path or keys: what the
  // reference's ROW-mode on_update sends. Before track_changes: every row.
  virtual Frame read_changed(const ChangeSet& changes) const = 0;

  // Tree operations of grouped views, by visible row; flat views change nothing and answer
  // the row index, as the reference.
  virtual Result<int64_t> expand(size_t row) { return static_cast<int64_t>(row); }
  virtual Result<int64_t> collapse(size_t row) { return static_cast<int64_t>(row); }
  virtual Status set_depth(size_t depth) { return Status::ok(); }
};

}  // namespace parallax
