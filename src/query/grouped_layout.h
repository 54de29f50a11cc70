// The layout of a grouped view: which groups are collapsed, how groups that appear later
// start out and the rows shown (depth first, children of collapsed groups skipped). Groups
// are named by their paths (GroupTree::Node::path), which outlive rebuilds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "common/status.h"
#include "query/group_tree.h"

namespace parallax {

class GroupedLayout {
 public:
  // How groups that appear after the view was made start out: expanded, until the reader
  // expands or collapses a row (then collapsed) or sets a depth (then as that depth says),
  // as the reference.
  enum class NewGroups { kExpanded, kCollapsed, kToDepth };

  // `totals_row_shown`: whether the totals row is a visible row (with group_by).
  explicit GroupedLayout(bool totals_row_shown = true) : totals_row_shown_(totals_row_shown) {}

  // The rows shown, nodes in display order.
  const std::vector<uint32_t>& visible() const { return visible_; }
  bool is_collapsed(const GroupTree& tree, uint32_t node) const {
    return collapsed_.contains(tree.node(node).path);
  }
  NewGroups new_groups() const { return new_groups_; }
  // The node at `row` as the reference's expand/collapse count rows: visible rows, but for
  // split-only views, whose hidden totals row is row 0. Nullopt past the end.
  std::optional<uint32_t> node_at_row(size_t row) const;

  // Lays the rows out afresh from the tree.
  void lay_out(const GroupTree& tree);
  // After the children of `parent` were reordered (from `previous`), nothing else in the tree
  // having changed since the rows were laid out: moves their rows, below the first child that
  // moved and up to the last, as lay_out would place them.
  void children_reordered(const GroupTree& tree, uint32_t parent,
                          std::span<const uint32_t> previous);
  // After one child of `parent` moved from index `from` to index `to` among its children (the
  // others keep their order; nothing else changed since the rows were laid out): moves its
  // rows, and those of the children it passed, as lay_out would place them.
  void child_moved(const GroupTree& tree, uint32_t parent, size_t from, size_t to);
  // Per node among the first `count`: whether its children are shown (it and its ancestors
  // are expanded).
  std::vector<uint8_t> expanded_nodes(const GroupTree& tree, size_t count) const;
  // Gives groups among `nodes` that no layout has seen their starting collapse state.
  void settle_new_groups(const GroupTree& tree, std::span<const uint32_t> nodes);
  // Forgets the collapse state of groups that no longer exist: a group that comes back is
  // new, as in the reference (its tree drops emptied groups).
  void forget_vanished_groups(const GroupTree& tree);
  void forget_group(const std::string& path);
  // A clear: every group is new. `fresh_start` (a clear, or the first change after the table
  // was empty): the totals row shows expanded again.
  void start_afresh(bool cleared, bool fresh_start);

  // The reader's operations (the view reorders and lays out after them).
  void collapse(const GroupTree& tree, uint32_t node);  // with its descendants
  void expand(const GroupTree& tree, uint32_t node);    // its children show collapsed
  // Groups at depth `depth` and below collapsed, now and when they appear.
  void set_depth(const GroupTree& tree, uint32_t depth);
  void new_groups_collapse() { new_groups_ = NewGroups::kCollapsed; }

  // The invariants between the layout and the tree (common/check.h).
  Status check(const GroupTree& tree) const;

 private:
  // Marks every group below `node` collapsed (what the reference keeps of a hidden subtree).
  void collapse_below(const GroupTree& tree, uint32_t node);
  // Whether the children of `node` show (a leaf's: none to show).
  bool shows_children(const GroupTree& tree, uint32_t node) const {
    return !tree.node(node).children.empty() && (collapsed_.empty() || !is_collapsed(tree, node));
  }
  // One past the last row of `node` and the rows shown below it (`node` is shown).
  uint32_t end_of_rows(const GroupTree& tree, uint32_t node) const;

  static constexpr uint32_t kHidden = UINT32_MAX;

  bool totals_row_shown_;
  absl::flat_hash_set<std::string> collapsed_;  // paths of collapsed groups
  NewGroups new_groups_ = NewGroups::kExpanded;
  uint32_t new_groups_depth_ = 0;
  absl::flat_hash_set<std::string> known_paths_;  // groups seen by a layout
  std::vector<uint32_t> visible_;                 // nodes in display order
  std::vector<uint32_t> row_of_;                  // by node: its index in visible_, or kHidden
};

}  // namespace parallax
