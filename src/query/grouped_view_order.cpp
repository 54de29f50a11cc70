// How a grouped view orders what it shows, as a fresh view of the reference: each group's
// children by the row sort, ties by key, and the split columns, by key or by a "col" sort's
// totals.
#include <algorithm>
#include <numeric>
#include <utility>

#include "common/check.h"
#include "query/group_key.h"
#include "query/grouped_view.h"
#include "query/traversal_order.h"

namespace parallax {

bool GroupedView::order_children_of(uint32_t node, size_t kept, const std::vector<uint8_t>* moved,
                                    std::vector<uint32_t>* previous) {
  auto& children = tree_.node(node).children;
  if (children.empty()) return false;
  // Answers the order changed, handing the old one to `previous`.
  auto reordered = [&](std::vector<uint32_t> order) {
    std::vector<uint32_t> old = std::exchange(children, std::move(order));
    if (old == children) return false;
    if (previous) *previous = std::move(old);
    return true;
  };
  // By key (split-only rows: natural order), as a fresh view's tree holds them.
  auto natural = [&](uint32_t a, uint32_t b) {
    return table_->natural_less(tree_.node(a).rows[0], tree_.node(b).rows[0]);
  };
  const Column* keys =
      group_by_.empty() ? nullptr : &tree_.levels()[tree_.node(children[0]).depth - 1];
  auto by_key = [&](uint32_t a, uint32_t b) {
    return keys ? compare_cells(*keys, a, *keys, b) < 0 : natural(a, b);
  };
  const GroupedMeasures::RowSort& row_sort = measures_->row_sort();
  if (row_sort.empty()) {
    // Without a sort the children stay in key order: only the new ones need a place.
    const auto split = children.begin() + static_cast<std::ptrdiff_t>(kept);
    if (kept > 0 && kept < children.size()) {
      return reordered(insert_by_key({children.begin(), split}, {split, children.end()}, by_key));
    }
    if (kept == 0 && !std::is_sorted(children.begin(), children.end(), by_key)) {
      std::vector<uint32_t> order = children;
      std::sort(order.begin(), order.end(), by_key);
      return reordered(std::move(order));
    }
    return false;
  }
  // By the row sort, ties by key: the order depends on the rows only, never on the order
  // they came in (the reference's live views keep the tie order they showed before).
  auto sorted_less = [&](uint32_t a, uint32_t b) {
    for (size_t k = 0; k < row_sort.size(); ++k) {
      const SortDirection direction = row_sort[k].second;
      const Column& column = measures_->sort_cells(k);
      int order = compare_cells(column, a, column, b, is_abs(direction));
      if (is_descending(direction)) order = -order;
      if (order != 0) return order < 0;
    }
    return by_key(a, b);
  };
  // A percentage's cells all move when its parent's sum does: those sorts sort afresh.
  const bool cells_stay = std::none_of(row_sort.begin(), row_sort.end(), [](const auto& sort) {
    return is_percentage(sort.first.aggregate.kind);
  });
  if (moved && cells_stay) {
    // The children whose cells stayed keep their order: the moved ones (few, after a change
    // of a few rows) are taken out and put back each at its place, found by binary search.
    std::vector<uint32_t> stayed, moving;
    stayed.reserve(children.size());
    for (const uint32_t child : children) ((*moved)[child] ? moving : stayed).push_back(child);
    PX_DCHECK(std::is_sorted(stayed.begin(), stayed.end(), sorted_less));
    if (moving.empty()) return false;
    std::sort(moving.begin(), moving.end(), sorted_less);
    std::vector<uint32_t> merged;
    merged.reserve(children.size());
    auto from = stayed.begin();
    for (const uint32_t child : moving) {
      const auto at = std::lower_bound(from, stayed.end(), child, sorted_less);
      merged.insert(merged.end(), from, at);
      merged.push_back(child);
      from = at;
    }
    merged.insert(merged.end(), from, stayed.end());
    return reordered(std::move(merged));
  }
  std::vector<uint32_t> order = children;
  std::sort(order.begin(), order.end(), sorted_less);
  return reordered(std::move(order));
}

void GroupedView::order_combos() {
  // "col asc/desc": split columns as the reference's column traversal shows them.
  if (column_sort_) {
    const size_t v = column_sort_->first;
    const std::vector<uint32_t> order = splits_.column_order(
        column_sort_->second, [&](size_t level, const std::vector<uint32_t>& firsts, uint32_t end) {
          return measures_->node_totals(v, level, firsts, end);
        });
    splits_.permute(order);
    measures_->permute_combos(order);
  }
  splits_.make_paths();
}

void GroupedView::lay_out(std::span<const uint32_t> new_nodes) {
  layout_.settle_new_groups(tree_, new_nodes);
  layout_.lay_out(tree_);
}

}  // namespace parallax
