// Follows one view for a ROW-mode on_update subscription: after each table change, the rows
// of the view that the change altered, as the reference sends them. The views know
// (View::read_changed): flat views from the change itself, grouped views from the groups the
// change touched (query/grouped_view_changes.cpp).
#pragma once

#include "core/change_set.h"
#include "core/frame.h"
#include "query/view.h"

namespace parallax {

class RowDelta {
 public:
  // Starts the view's change tracking, with the view as it is now as the state the first
  // change is compared with.
  explicit RowDelta(const View& view);

  // Call after each change of the view's table, once the view has followed it. The frame's
  // columns are the view's data columns; it reads from the view, so write it before the
  // table changes again.
  Frame changed_rows(const ChangeSet& changes);
  const View& view() const { return *view_; }

 private:
  const View* view_;
};

}  // namespace parallax
