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
