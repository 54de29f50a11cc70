// Follows one view for a ROW-mode on_update subscription: after each table change, the rows
// of the view that the change altered, as the reference sends them.
// Flat views answer from the change itself (View::read_changed). Grouped views are compared
// with the previous change, group by group: a row is sent when it is new or one of its cells
// changed; groups that disappeared are not sent, as the reference. Like the reference, a
// group the change touched (it holds an added or updated row) is sent even when unchanged if
// one of its columns is aggregated by "count" or "last".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "core/change_set.h"
#include "core/frame.h"
#include "query/column_source.h"
#include "query/filter.h"
#include "query/view.h"

namespace parallax {

class RowDelta {
 public:
  // Takes the view as it is now as the state the first change is compared with.
  explicit RowDelta(const View& view);

  // Call after each change of the view's table, once the view has followed it. The frame's
  // columns are the view's data columns; it reads from the view, so write it before the
  // table changes again.
  Frame changed_rows(const ChangeSet& changes);
  const View& view() const { return *view_; }

 private:
  // The visible rows (by group path; rows of views without group_by by position) and each
  // one's non-null cells (path, column name, value): a cell that became null, as a split
  // combination leaving a group, does not make its row change, as in the reference.
  struct Snapshot {
    absl::flat_hash_set<std::string> rows, cells;
  };
  // Adds the frame's `index`-th row to `into`; answers whether it is new or one of its cells
  // is not in `before` (always true without one).
  static bool add_row(const Frame& frame, size_t index, Snapshot& into, const Snapshot* before);
  // The rows that are new or whose cells changed since the last call; takes their place.
  Frame compare_with_previous(const ChangeSet& changes);
  // The group paths (as snapshot keys) of the rows the change added or updated.
  absl::flat_hash_set<std::string> touched_groups(const ChangeSet& changes) const;

  // Grouped views with a "count" or "last" column: their rows' group keys and filter.
  struct Touches {
    std::unique_ptr<ColumnSource> source;
    RowFilter filter;
    std::vector<size_t> group_by;  // column ids of source
  };
  static std::optional<Touches> make_touches(const View& view);

  const View* view_;
  Snapshot previous_;
  std::optional<Touches> touches_;
};

}  // namespace parallax
