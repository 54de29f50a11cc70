#include "query/view.h"

#include <algorithm>
#include <cmath>

#include "query/flat_view.h"
#include "query/grouped_view.h"

namespace parallax {

size_t clamp_window_bound(std::optional<double> bound, size_t fallback, size_t size, bool is_end) {
  if (!bound || std::isnan(*bound)) return std::min(fallback, size);
  const double rounded = is_end ? std::ceil(*bound) : std::floor(*bound);
  if (rounded <= 0) return 0;
  return std::min(static_cast<size_t>(rounded), size);
}

Result<std::unique_ptr<View>> View::create(const Table& table, ViewConfig config) {
  if (!config.group_by.empty() || !config.split_by.empty()) {
    PX_ASSIGN_OR_RETURN(std::unique_ptr<GroupedView> view,
                        GroupedView::create(table, std::move(config)));
    return std::unique_ptr<View>(std::move(view));
  }
  PX_ASSIGN_OR_RETURN(std::unique_ptr<FlatView> view, FlatView::create(table, std::move(config)));
  return std::unique_ptr<View>(std::move(view));
}

}  // namespace parallax
