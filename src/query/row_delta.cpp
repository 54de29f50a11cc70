#include "query/row_delta.h"

namespace parallax {

RowDelta::RowDelta(const View& view) : view_(&view) {
  view.read_changed(ChangeSet{});
}

Frame RowDelta::changed_rows(const ChangeSet& changes) {
  return view_->read_changed(changes);
}

}  // namespace parallax
