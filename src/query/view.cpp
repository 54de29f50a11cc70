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

std::pair<size_t, size_t> split_column_window(const ViewWindow& window, size_t columns,
                                              size_t values, size_t hidden) {
  const size_t per_combo = values + hidden;
  if (hidden == 0 || values == 0) {
    const size_t start = clamp_window_bound(window.start_col, 0, columns, false);
    return {start, std::max(start, clamp_window_bound(window.end_col, columns, columns, true))};
  }
  // The shown columns before position `at` of the reference's columns.
  auto shown_before = [&](size_t at) {
    return std::min(columns, at / per_combo * values + std::min(at % per_combo, values));
  };
  const size_t all = columns / values * per_combo;
  const size_t first = clamp_window_bound(window.start_col, 0, all, false);
  const size_t start = shown_before(first);
  size_t end = columns;
  if (window.end_col) {
    // (The bound is stretched before it is compared with the start: start_col 2, end_col 2
    // shows the columns from 2 to 5 with one hidden column.)
    const size_t asked = clamp_window_bound(window.end_col, all, all, true);
    const size_t bound = std::min(all, (hidden + 1) * asked + hidden);
    end = bound <= first ? start : shown_before(bound);
  }
  return {start, std::max(start, end)};
}

Column primary_keys(const Table& table, std::span<const uint32_t> positions,
                    std::span<const uint32_t> rows, size_t size) {
  const DataType type = table.index_position() ? table.schema().field(*table.index_position()).type
                                               : DataType::kInteger;
  Column keys(type);
  keys.resize(size);
  for (size_t i = 0; i < positions.size(); ++i) {
    const Scalar key = table.key_of(rows[i]);
    if (!key.valid) continue;
    if (type == DataType::kString) {
      keys.set<uint32_t>(positions[i], keys.mutable_dictionary().intern(key.text));
      continue;
    }
    visit_type(type, [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      if constexpr (std::is_same_v<Storage, double>) {
        keys.set<double>(positions[i], key.number);
      } else if constexpr (!std::is_same_v<Storage, uint32_t>) {
        keys.set<Storage>(positions[i], static_cast<Storage>(key.integer));
      }
    });
  }
  return keys;
}

Result<std::unique_ptr<View>> View::create(const Table& table, ViewConfig config, TaskPool* pool) {
  if (!config.group_by.empty() || !config.split_by.empty()) {
    PX_ASSIGN_OR_RETURN(std::unique_ptr<GroupedView> view,
                        GroupedView::create(table, std::move(config), pool));
    return std::unique_ptr<View>(std::move(view));
  }
  PX_ASSIGN_OR_RETURN(std::unique_ptr<FlatView> view, FlatView::create(table, std::move(config)));
  return std::unique_ptr<View>(std::move(view));
}

}  // namespace parallax
