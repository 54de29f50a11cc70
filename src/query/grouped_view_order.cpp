// How a grouped view orders what it shows, as a fresh view of the reference: each group's
// children by the row sort, ties by key, and the split columns, by key or by a "col" sort's
// totals.
#include <algorithm>
#include <numeric>

#include "query/group_key.h"
#include "query/grouped_view.h"
#include "query/traversal_order.h"

namespace parallax {

void GroupedView::order_children_of(uint32_t node, size_t kept) {
  auto& children = tree_.node(node).children;
  if (children.empty()) return;
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
      children = insert_by_key({children.begin(), split}, {split, children.end()}, by_key);
    } else if (kept == 0 && !std::is_sorted(children.begin(), children.end(), by_key)) {
      std::sort(children.begin(), children.end(), by_key);
    }
    return;
  }
  // By the row sort, ties by key: the order depends on the rows only, never on the order
  // they came in (the reference's live views keep the tie order they showed before).
  std::sort(children.begin(), children.end(), [&](uint32_t a, uint32_t b) {
    for (size_t k = 0; k < row_sort.size(); ++k) {
      const SortDirection direction = row_sort[k].second;
      const Column& column = measures_->sort_cells(k);
      int order = compare_cells(column, a, column, b, is_abs(direction));
      if (is_descending(direction)) order = -order;
      if (order != 0) return order < 0;
    }
    return by_key(a, b);
  });
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
