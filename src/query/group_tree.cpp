#include "query/group_tree.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "query/group_key.h"

namespace parallax {

void GroupTree::build(std::span<const uint32_t> rows) {
  nodes_.assign(1, Node{});
  nodes_[0].rows.assign(rows.begin(), rows.end());
  child_index_.clear();
  leaf_of_row_.assign(table_->num_rows(), kNoNode);
  // Each level's key, per node (null for the totals row), filled in as groups are made.
  levels_.clear();
  for (const size_t position : group_by_) {
    levels_.emplace_back(source_->column(position).type()).resize(1);
  }
  find_leaves(rows);
  fill_group_rows(rows);
}

void GroupTree::find_leaves(std::span<const uint32_t> rows) {
  const Column* codes = nullptr;
  if (group_by_.size() == 1 && source_->column(group_by_[0]).type() == DataType::kString)
    codes = &source_->column(group_by_[0]);
  if (codes == nullptr) {
    for (const uint32_t row : rows) leaf_of_row_[row] = find_or_add_leaf(row, nullptr);
    return;
  }
  // One string level: its groups are dictionary codes (nulls in the last slot), so a row
  // finds its leaf by indexing; only a row with a new key hashes its way in.
  const std::vector<uint32_t>& values = codes->values<uint32_t>();
  const uint32_t null_slot = static_cast<uint32_t>(codes->dictionary().size());
  std::vector<uint32_t> leaf_of_code(null_slot + 1, kNoNode);
  for (const uint32_t row : rows) {
    uint32_t& leaf = leaf_of_code[codes->is_valid(row) ? values[row] : null_slot];
    if (leaf == kNoNode) leaf = find_or_add_leaf(row, nullptr);
    leaf_of_row_[row] = leaf;
  }
}

void GroupTree::fill_group_rows(std::span<const uint32_t> rows) {
  // Level by level from the leaves up: a counting sort of the rows by their group at that
  // level, written straight into each group's rows (stable: each group's rows stay in
  // natural order). Growing tens of thousands of lists a row at a time costs more than the
  // grouping; a row's group at a level is its leaf's ancestor there.
  const size_t num_nodes = nodes_.size();
  std::vector<uint32_t> group_of_leaf(num_nodes);  // by node: its ancestor at the level
  std::iota(group_of_leaf.begin(), group_of_leaf.end(), 0);
  std::vector<uint32_t> counts(num_nodes);
  std::vector<uint32_t*> next(num_nodes);
  for (size_t level = leaf_depth(); level >= 1; --level) {
    std::fill(counts.begin(), counts.end(), 0);
    for (const uint32_t row : rows) ++counts[group_of_leaf[leaf_of_row_[row]]];
    for (size_t node = 0; node < num_nodes; ++node) {
      if (nodes_[node].depth != level) continue;
      nodes_[node].rows.resize(counts[node]);
      next[node] = nodes_[node].rows.data();
    }
    for (const uint32_t row : rows) *next[group_of_leaf[leaf_of_row_[row]]]++ = row;
    if (level > 1) {
      for (uint32_t& node : group_of_leaf) {
        if (nodes_[node].depth == level) node = nodes_[node].parent;
      }
    }
  }
}

uint32_t GroupTree::find_or_add_leaf(uint32_t row,
                                     absl::flat_hash_map<uint32_t, size_t>* new_children) {
  uint32_t node = 0;
  const size_t depth = leaf_depth();
  for (size_t level = 0; level < depth; ++level) {
    ChildKey key{node, true, row};
    if (!group_by_.empty()) {
      const Column& column = source_->column(group_by_[level]);
      const bool valid = column.is_valid(row);
      key = {node, valid, valid ? group_key_bits(column, row) : 0};
    }
    auto [found, inserted] = child_index_.try_emplace(key, static_cast<uint32_t>(nodes_.size()));
    if (inserted) {
      Node child;
      child.parent = node;
      child.depth = static_cast<uint32_t>(level + 1);
      child.key_row = row;
      child.path = nodes_[node].path;
      if (!group_by_.empty()) append_group_key(child.path, source_->column(group_by_[level]), row);
      nodes_[node].children.push_back(found->second);
      if (new_children) ++(*new_children)[node];
      const uint32_t added = static_cast<uint32_t>(nodes_.size());
      nodes_.push_back(std::move(child));
      // The new group's row path: its ancestors' keys, then its own.
      for (size_t key_level = 0; key_level < levels_.size(); ++key_level) {
        Column& keys = levels_[key_level];
        keys.resize(nodes_.size());
        if (key_level < level) {
          keys.set_from(added, keys, node);
        } else if (key_level == level) {
          keys.set_from(added, source_->column(group_by_[level]), row);
        }
      }
    }
    node = found->second;
  }
  return node;
}

void GroupTree::move_row(uint32_t before, uint32_t after) {
  if (before >= leaf_of_row_.size()) return;
  const uint32_t leaf = leaf_of_row_[before];
  leaf_of_row_[after] = leaf;
  // Split-only rows are groups keyed by their row number.
  if (group_by_.empty() && leaf != kNoNode) {
    child_index_.erase(ChildKey{0, true, before});
    child_index_[ChildKey{0, true, after}] = leaf;
  }
}

bool GroupTree::on_path(uint32_t leaf, uint32_t node) const {
  if (leaf == kNoNode) return false;
  while (nodes_[leaf].depth > nodes_[node].depth) leaf = nodes_[leaf].parent;
  return leaf == node;
}

int GroupTree::compare_leaves(uint32_t a, uint32_t b) const {
  for (const Column& keys : levels_) {
    if (const int order = compare_cells(keys, a, keys, b); order != 0) return order;
  }
  return 0;
}

std::vector<std::pair<uint32_t, std::string>> GroupTree::drop_emptied(
    std::span<const uint32_t> touched) {
  std::vector<std::pair<uint32_t, std::string>> dropped;
  for (const uint32_t node : touched) {
    Node& group = nodes_[node];
    if (node == 0 || group.gone || !group.rows.empty()) continue;
    // (Its children emptied too: each is in `touched`.)
    std::vector<uint32_t>& siblings = nodes_[group.parent].children;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), node), siblings.end());
    ChildKey key{group.parent, true, group.key_row};
    if (!group_by_.empty()) {
      const size_t tail = group.path.size() - kGroupKeySize;
      int64_t bits = 0;
      std::memcpy(&bits, group.path.data() + tail + 1, sizeof bits);
      key = {group.parent, group.path[tail] == '1', bits};
    }
    if (auto found = child_index_.find(key); found != child_index_.end() && found->second == node)
      child_index_.erase(found);
    // A path no group has (live paths are whole keys), so nothing remembered by path names it.
    dropped.emplace_back(node, std::exchange(group.path, "gone " + std::to_string(node)));
    group.children.clear();
    group.gone = true;
  }
  return dropped;
}

Status GroupTree::check(size_t table_rows) const {
  if (nodes_.empty()) return Status::ok();  // not built yet
  if (nodes_[0].depth != 0 || nodes_[0].gone)
    return Status::internal("group tree: the totals row is not node 0");
  if (leaf_of_row_.size() != table_rows)
    return Status::internal("group tree: leaves of {} rows, the table has {}", leaf_of_row_.size(),
                            table_rows);
  for (const Column& keys : levels_) {
    if (keys.size() != nodes_.size())
      return Status::internal("group tree: {} level keys for {} nodes", keys.size(), nodes_.size());
  }
  size_t live = 0;
  std::vector<uint32_t> seen_as_child(nodes_.size(), 0);
  for (uint32_t index = 0; index < nodes_.size(); ++index) {
    const Node& node = nodes_[index];
    if (node.gone) {
      if (!node.children.empty() || !node.rows.empty())
        return Status::internal("group tree: gone node {} keeps children or rows", index);
      continue;
    }
    if (index != 0) {
      ++live;
      if (node.parent >= index || node.depth != nodes_[node.parent].depth + 1)
        return Status::internal("group tree: node {} is not below its parent {}", index,
                                node.parent);
    }
    size_t child_rows = 0;
    for (const uint32_t child : node.children) {
      if (child >= nodes_.size() || nodes_[child].parent != index || nodes_[child].gone)
        return Status::internal("group tree: node {} lists {}, not its live child", index, child);
      ++seen_as_child[child];
      child_rows += nodes_[child].rows.size();
    }
    if (!node.children.empty() && child_rows != node.rows.size())
      return Status::internal("group tree: node {} has {} rows, its children {}", index,
                              node.rows.size(), child_rows);
    if (node.children.empty() && index != 0) {
      if (node.depth != leaf_depth())
        return Status::internal("group tree: node {} has no children above the leaves", index);
      for (const uint32_t row : node.rows) {
        if (row >= leaf_of_row_.size() || leaf_of_row_[row] != index)
          return Status::internal("group tree: row {} of leaf {} has another leaf", row, index);
      }
    }
  }
  for (uint32_t index = 1; index < nodes_.size(); ++index) {
    if (seen_as_child[index] != (nodes_[index].gone ? 0u : 1u))
      return Status::internal("group tree: node {} is listed {} times among children", index,
                              seen_as_child[index]);
  }
  if (child_index_.size() != live)
    return Status::internal("group tree: {} keyed children, {} live groups", child_index_.size(),
                            live);
  size_t rows_in_leaves = 0;
  for (const uint32_t leaf : leaf_of_row_) {
    if (leaf == kNoNode) continue;
    if (leaf >= nodes_.size() || nodes_[leaf].gone)
      return Status::internal("group tree: a row's leaf {} is not a live group", leaf);
    ++rows_in_leaves;
  }
  if (rows_in_leaves != nodes_[0].rows.size())
    return Status::internal("group tree: {} rows in leaves, {} in the totals row", rows_in_leaves,
                            nodes_[0].rows.size());
  return Status::ok();
}

}  // namespace parallax
