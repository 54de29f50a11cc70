#include "query/view.h"

#include "query/flat_view.h"

namespace parallax {

Result<std::unique_ptr<View>> View::create(const Table& table, ViewConfig config) {
  PX_ASSIGN_OR_RETURN(std::unique_ptr<FlatView> view, FlatView::create(table, std::move(config)));
  return std::unique_ptr<View>(std::move(view));
}

}  // namespace parallax
