#include "query/grouped_layout.h"

#include <algorithm>
#include <string_view>

namespace parallax {

std::optional<uint32_t> GroupedLayout::node_at_row(size_t row) const {
  if (totals_row_shown_) {
    if (row >= visible_.size()) return std::nullopt;
    return visible_[row];
  }
  if (row == 0) return 0u;
  if (row - 1 >= visible_.size()) return std::nullopt;
  return visible_[row - 1];
}

void GroupedLayout::lay_out(const GroupTree& tree) {
  visible_.clear();
  row_of_.assign(tree.size(), kHidden);
  // Depth-first, skipping the children of collapsed groups; no totals row without group_by.
  std::vector<uint32_t> stack{0};
  while (!stack.empty()) {
    const uint32_t node = stack.back();
    stack.pop_back();
    if (node != 0 || totals_row_shown_) {
      row_of_[node] = static_cast<uint32_t>(visible_.size());
      visible_.push_back(node);
    }
    if (!shows_children(tree, node)) continue;
    const auto& children = tree.node(node).children;
    for (auto child = children.rbegin(); child != children.rend(); ++child) stack.push_back(*child);
  }
}

uint32_t GroupedLayout::end_of_rows(const GroupTree& tree, uint32_t node) const {
  // The last row below a node is its last child's last row, down to a group not expanded.
  while (shows_children(tree, node)) node = tree.node(node).children.back();
  return row_of_[node] + 1;
}

void GroupedLayout::children_reordered(const GroupTree& tree, uint32_t parent,
                                       std::span<const uint32_t> previous) {
  const std::vector<uint32_t>& children = tree.node(parent).children;
  // Children show together or not at all.
  if (children.empty() || row_of_[children[0]] == kHidden) return;
  size_t first = 0, last = children.size() - 1;
  while (first < last && children[first] == previous[first]) ++first;
  while (last > first && children[last] == previous[last]) --last;
  // The rows of previous[first..last] fill [begin, end), each child's block in turn (the
  // rows below each child are as they were): placed again in the new order.
  std::vector<uint32_t> starts(last - first + 2);
  for (size_t i = first; i <= last; ++i) starts[i - first] = row_of_[previous[i]];
  starts.back() = end_of_rows(tree, previous[last]);
  const uint32_t begin = starts.front();
  std::vector<uint32_t> rows;
  rows.reserve(starts.back() - begin);
  for (size_t i = first; i <= last; ++i) {
    const uint32_t from = row_of_[children[i]];
    const uint32_t to = *std::upper_bound(starts.begin(), starts.end(), from);
    rows.insert(rows.end(), visible_.begin() + from, visible_.begin() + to);
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    visible_[begin + i] = rows[i];
    row_of_[rows[i]] = static_cast<uint32_t>(begin + i);
  }
}

void GroupedLayout::child_moved(const GroupTree& tree, uint32_t parent, size_t from, size_t to) {
  const std::vector<uint32_t>& children = tree.node(parent).children;
  const uint32_t child = children[to];
  // Children show together or not at all.
  if (row_of_[child] == kHidden) return;
  // Its block of rows [start, end) trades places with the blocks of the children it passed.
  const uint32_t start = row_of_[child], end = end_of_rows(tree, child);
  uint32_t first, middle, last;  // rotates [first, last) so that `middle` comes first
  if (to > from) {
    first = start, middle = end, last = end_of_rows(tree, children[to - 1]);
  } else {
    first = row_of_[children[to + 1]], middle = start, last = end;
  }
  std::rotate(visible_.begin() + first, visible_.begin() + middle, visible_.begin() + last);
  for (uint32_t row = first; row < last; ++row) row_of_[visible_[row]] = row;
}

std::vector<uint8_t> GroupedLayout::expanded_nodes(const GroupTree& tree, size_t count) const {
  std::vector<uint8_t> expanded(count, 0);
  for (uint32_t node = 0; node < count; ++node) {
    const bool parent_expanded = node == 0 || expanded[tree.node(node).parent];
    expanded[node] = parent_expanded && !collapsed_.contains(tree.node(node).path);
  }
  return expanded;
}

void GroupedLayout::settle_new_groups(const GroupTree& tree, std::span<const uint32_t> nodes) {
  for (const uint32_t node : nodes) {
    const GroupTree::Node& group = tree.node(node);
    // The totals row is never new: only collapse, expand, set_depth and a fresh start move it.
    if (node == 0 || group.children.empty() || !known_paths_.insert(group.path).second) continue;
    if (new_groups_ == NewGroups::kCollapsed ||
        (new_groups_ == NewGroups::kToDepth && group.depth >= new_groups_depth_)) {
      collapsed_.insert(group.path);
    }
  }
}

void GroupedLayout::forget_vanished_groups(const GroupTree& tree) {
  absl::flat_hash_set<std::string_view> paths;
  for (uint32_t index = 0; index < tree.size(); ++index) {
    const GroupTree::Node& node = tree.node(index);
    if (!node.children.empty()) paths.insert(node.path);
  }
  const auto vanished = [&](const std::string& path) {
    return !path.empty() && !paths.contains(path);
  };
  absl::erase_if(known_paths_, vanished);
  absl::erase_if(collapsed_, vanished);
}

void GroupedLayout::forget_group(const std::string& path) {
  known_paths_.erase(path);
  collapsed_.erase(path);
}

void GroupedLayout::start_afresh(bool cleared, bool fresh_start) {
  if (cleared) {
    collapsed_.clear();
    known_paths_.clear();
  }
  if (fresh_start) collapsed_.erase(std::string());
}

void GroupedLayout::collapse_below(const GroupTree& tree, uint32_t node) {
  std::vector<uint32_t> stack{node};
  while (!stack.empty()) {
    const uint32_t next = stack.back();
    stack.pop_back();
    if (tree.node(next).children.empty()) continue;
    collapsed_.insert(tree.node(next).path);
    for (const uint32_t child : tree.node(next).children) stack.push_back(child);
  }
}

void GroupedLayout::collapse(const GroupTree& tree, uint32_t node) {
  // Collapsing a group collapses its descendants too: expanding it shows one level.
  collapsed_.insert(tree.node(node).path);
  collapse_below(tree, node);
}

void GroupedLayout::expand(const GroupTree& tree, uint32_t node) {
  // The children show collapsed, whatever they were before their parent was collapsed.
  collapse_below(tree, node);
  collapsed_.erase(tree.node(node).path);
}

void GroupedLayout::set_depth(const GroupTree& tree, uint32_t depth) {
  new_groups_ = NewGroups::kToDepth;
  new_groups_depth_ = depth;
  collapsed_.clear();
  for (uint32_t index = 0; index < tree.size(); ++index) {
    const GroupTree::Node& node = tree.node(index);
    if (node.depth >= new_groups_depth_ && !node.children.empty()) collapsed_.insert(node.path);
  }
}

Status GroupedLayout::check(const GroupTree& tree) const {
  for (size_t row = 0; row < visible_.size(); ++row) {
    const uint32_t node = visible_[row];
    if (node >= tree.size() || tree.node(node).gone)
      return Status::internal("layout: visible row of node {}, which is not a live group", node);
    if (row_of_[node] != row)
      return Status::internal("layout: node {} shown at row {} is indexed at {}", node, row,
                              row_of_[node]);
  }
  // What changes moved row by row must be what a fresh layout shows.
  GroupedLayout fresh = *this;
  fresh.lay_out(tree);
  if (fresh.visible_ != visible_)
    return Status::internal("layout: rows differ from a fresh layout");
  return Status::ok();
}

}  // namespace parallax
