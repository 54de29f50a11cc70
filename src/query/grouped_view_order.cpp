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

bool GroupedView::key_less(uint32_t a, uint32_t b) const {
  // By key (split-only rows: natural order), as a fresh view's tree holds them.
  if (group_by_.empty()) return table_->natural_less(tree_.node(a).rows[0], tree_.node(b).rows[0]);
  const Column& keys = tree_.levels()[tree_.node(a).depth - 1];
  return compare_cells(keys, a, keys, b) < 0;
}

bool GroupedView::sorted_less(uint32_t a, uint32_t b) const {
  // By the row sort, ties by key: the order depends on the rows only, never on the order
  // they came in (the reference's live views keep the tie order they showed before).
  const GroupedMeasures::RowSort& row_sort = measures_->row_sort();
  for (size_t k = 0; k < row_sort.size(); ++k) {
    const SortDirection direction = row_sort[k].second;
    const Column& column = measures_->sort_cells(k);
    int order = compare_cells(column, a, column, b, is_abs(direction));
    if (is_descending(direction)) order = -order;
    if (order != 0) return order < 0;
  }
  return key_less(a, b);
}

bool GroupedView::moves_children_one_by_one() const {
  // A percentage's cells all move when its parent's sum does: those sorts sort afresh.
  const GroupedMeasures::RowSort& row_sort = measures_->row_sort();
  return !row_sort.empty() && std::none_of(row_sort.begin(), row_sort.end(), [](const auto& sort) {
    return is_percentage(sort.first.aggregate.kind);
  });
}

std::optional<std::pair<size_t, size_t>> GroupedView::move_child(uint32_t node, uint32_t child) {
  std::vector<uint32_t>& children = tree_.node(node).children;
  // Where the child is: the index it had when last moved, if still right, else found (and
  // every sibling's index noted, so the next change of this group finds its child at once).
  if (child_index_.size() < tree_.size()) child_index_.resize(tree_.size(), 0);
  size_t from = child_index_[child];
  if (from >= children.size() || children[from] != child) {
    for (size_t i = 0; i < children.size(); ++i)
      child_index_[children[i]] = static_cast<uint32_t>(i);
    from = child_index_[child];
    PX_DCHECK(from < children.size() && children[from] == child);
  }
  // The others keep their order (only this one's cells changed): it goes where a binary
  // search among them puts it, the ones between shifting by one.
  auto by_sort = [&](uint32_t a, uint32_t b) { return sorted_less(a, b); };
  const auto begin = children.begin();
  const auto at = begin + static_cast<std::ptrdiff_t>(from);
  size_t to = from;
  if (from > 0 && by_sort(child, children[from - 1])) {
    const auto place = std::lower_bound(begin, at, child, by_sort);
    std::rotate(place, at, at + 1);
    to = static_cast<size_t>(place - begin);
  } else if (from + 1 < children.size() && by_sort(children[from + 1], child)) {
    const auto place = std::lower_bound(at + 1, children.end(), child, by_sort);
    std::rotate(at, at + 1, place);
    to = static_cast<size_t>(place - begin) - 1;
  }
  if (to == from) return std::nullopt;
  for (size_t i = std::min(from, to); i <= std::max(from, to); ++i)
    child_index_[children[i]] = static_cast<uint32_t>(i);
  PX_DCHECK(std::is_sorted(children.begin(), children.end(), by_sort));
  return std::pair{from, to};
}

bool GroupedView::order_children_of(uint32_t node, size_t kept, const std::vector<uint8_t>* moved,
                                    std::vector<uint32_t>* previous) {
  // In key order, as the tree vouches (no sort): nothing to do, and no mutable access that
  // would make the tree forget it.
  if (kept == 0 && measures_->row_sort().empty() && std::as_const(tree_).children_in_key_order())
    return false;
  auto& children = tree_.node(node).children;
  if (children.empty()) return false;
  // Answers the order changed, handing the old one to `previous`.
  auto reordered = [&](std::vector<uint32_t> order) {
    std::vector<uint32_t> old = std::exchange(children, std::move(order));
    if (old == children) return false;
    if (previous) *previous = std::move(old);
    return true;
  };
  auto by_key = [&](uint32_t a, uint32_t b) { return key_less(a, b); };
  auto by_sort = [&](uint32_t a, uint32_t b) { return sorted_less(a, b); };
  if (measures_->row_sort().empty()) {
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
  if (moved && moves_children_one_by_one()) {
    // The children whose cells stayed keep their order: the moved ones (few, after a change
    // of a few rows) are taken out and put back each at its place, found by binary search.
    std::vector<uint32_t> stayed, moving;
    stayed.reserve(children.size());
    for (const uint32_t child : children) ((*moved)[child] ? moving : stayed).push_back(child);
    PX_DCHECK(std::is_sorted(stayed.begin(), stayed.end(), by_sort));
    if (moving.empty()) return false;
    std::sort(moving.begin(), moving.end(), by_sort);
    std::vector<uint32_t> merged;
    merged.reserve(children.size());
    auto from = stayed.begin();
    for (const uint32_t child : moving) {
      const auto at = std::lower_bound(from, stayed.end(), child, by_sort);
      merged.insert(merged.end(), from, at);
      merged.push_back(child);
      from = at;
    }
    merged.insert(merged.end(), from, stayed.end());
    return reordered(std::move(merged));
  }
  std::vector<uint32_t> order = children;
  std::sort(order.begin(), order.end(), by_sort);
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
