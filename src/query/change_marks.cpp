#include "query/change_marks.h"

#include <algorithm>
#include <bit>
#include <numeric>

namespace parallax {

namespace {

constexpr uint32_t kNoRow = UINT32_MAX;
constexpr uint32_t kNoNode = GroupTree::kNoNode;

// Whether cell `now_row` of `now` is non-null and differs from cell `before_row` of `before`
// (kNoRow: there was none). Floats compare by their bits, so a NaN is not a change.
bool cell_changed(const Column* before, uint32_t before_row, const Column& now, uint32_t now_row) {
  if (now.is_null(now_row)) return false;
  if (before == nullptr || before_row == kNoRow || before->is_null(before_row)) return true;
  switch (now.type()) {
    case DataType::kBoolean:
      return before->value<uint8_t>(before_row) != now.value<uint8_t>(now_row);
    case DataType::kInteger:
    case DataType::kDate:
      return before->value<int32_t>(before_row) != now.value<int32_t>(now_row);
    case DataType::kDatetime:
      return before->value<int64_t>(before_row) != now.value<int64_t>(now_row);
    case DataType::kFloat:
      return std::bit_cast<uint64_t>(before->value<double>(before_row)) !=
             std::bit_cast<uint64_t>(now.value<double>(now_row));
    case DataType::kString:
      return before->string_at(before_row) != now.string_at(now_row);
  }
  return true;
}

}  // namespace

bool ChangeMarks::resends_touched_groups() const {
  const auto& values = measures_->values();
  return std::any_of(values.begin(), values.end(), [](const GroupedMeasures::ValueColumn& value) {
    return descriptor(value.aggregate.kind).resent_when_touched;
  });
}

void ChangeMarks::mark_path(uint32_t leaf) {
  if (leaf == kNoNode) return;
  for (uint32_t node = leaf;; node = tree_->node(node).parent) {
    changed_[node] = 1;
    if (node == 0) return;
  }
}

void ChangeMarks::remember_cells(std::span<const uint32_t> touched, size_t nodes_before) {
  nodes_.clear();
  for (const uint32_t node : touched) {
    if (node < nodes_before) nodes_.push_back(node);
  }
  const size_t num_values = measures_->values().size();
  cells_.assign(measures_->num_combos(), {});
  for (size_t combo = 0; combo < cells_.size(); ++combo) {
    for (size_t v = 0; v < num_values; ++v) {
      cells_[combo].push_back(measures_->compared_cells(combo, v, nodes_));
    }
  }
}

void ChangeMarks::compact_combos(std::span<const uint32_t> renumbered) {
  if (cells_.size() != renumbered.size()) return;
  size_t kept = 0;
  for (uint32_t combo = 0; combo < renumbered.size(); ++combo) {
    if (renumbered[combo] == SplitColumns::kDropped) continue;
    if (renumbered[combo] != combo) cells_[renumbered[combo]] = std::move(cells_[combo]);
    ++kept;
  }
  cells_.resize(kept);
}

void ChangeMarks::mark_followed(size_t nodes_before, std::span<const uint32_t> joined) {
  const size_t num_nodes = tree_->size(), num_values = measures_->values().size();
  changed_.assign(num_nodes, 0);
  for (size_t node = nodes_before; node < num_nodes; ++node) changed_[node] = 1;
  for (size_t combo = 0; combo < measures_->num_combos(); ++combo) {
    for (size_t v = 0; v < num_values; ++v) {
      const Column& before = cells_[combo][v];
      const Column now = measures_->compared_cells(combo, v, nodes_);
      for (uint32_t i = 0; i < nodes_.size(); ++i) {
        if (cell_changed(&before, i, now, i)) changed_[nodes_[i]] = 1;
      }
    }
  }
  if (resends_touched_groups()) {
    for (const uint32_t leaf : joined) mark_path(leaf);
  }
  cells_.clear();
  nodes_.clear();
  version_ = table_->version();
}

void ChangeMarks::remember_tree(const ChangeSet& changes, size_t nodes_before,
                                std::span<const uint32_t> left, std::span<const uint32_t> gone) {
  node_of_path_.clear();
  column_of_path_.clear();
  for (uint32_t node = 0; node < nodes_before; ++node) {
    node_of_path_.emplace(tree_->node(node).path, node);
  }
  std::vector<uint32_t> all(nodes_before);
  std::iota(all.begin(), all.end(), 0);
  // The follow may have moved the touched groups' totals before giving up: their cells as
  // they were came from remember_cells, if it got that far.
  const size_t num_combos = measures_->num_combos();
  const bool have_touched = cells_.size() == num_combos;
  const auto& values = measures_->values();
  for (size_t combo = 0; combo < num_combos; ++combo) {
    for (size_t v = 0; v < values.size(); ++v) {
      Column cells = measures_->compared_cells(combo, v, all);
      for (uint32_t i = 0; have_touched && i < nodes_.size(); ++i) {
        cells.set_from(nodes_[i], cells_[combo][v], i);
      }
      column_of_path_.emplace(splits_->path(combo) + values[v].name, std::move(cells));
    }
  }
  cells_.clear();
  nodes_.clear();
  // Rows cleared are not named by the change: every group is compared then.
  compare_all_ = changes.cleared;
  joined_rows_ = changes.added_rows;
  joined_rows_.insert(joined_rows_.end(), changes.updated_rows.begin(), changes.updated_rows.end());
  auto add_paths = [&](std::span<const uint32_t> leaves, absl::flat_hash_set<std::string>& into) {
    for (uint32_t node : leaves) {
      while (node != kNoNode && node < nodes_before) {
        into.insert(tree_->node(node).path);
        node = node == 0 ? kNoNode : tree_->node(node).parent;
      }
    }
  };
  touched_paths_.clear();
  resent_paths_.clear();
  add_paths(left, touched_paths_);
  add_paths(gone, touched_paths_);
  add_paths(gone, resent_paths_);
  tree_remembered_ = true;
}

void ChangeMarks::mark_rebuilt() {
  // The groups the change touched: those its rows left (remembered) and joined.
  const size_t num_nodes = tree_->size();
  changed_.assign(num_nodes, 0);
  for (const uint32_t row : joined_rows_) mark_path(tree_->leaf_of(row));
  std::vector<uint8_t> touched = std::move(changed_);
  changed_.assign(num_nodes, 0);
  std::vector<uint32_t> all(num_nodes);
  std::iota(all.begin(), all.end(), 0);
  // Per group, once: its node before (kNoRow: new) and whether its cells are compared.
  std::vector<uint32_t> before_row(num_nodes, kNoRow);
  std::vector<uint8_t> compared(num_nodes, 0);
  for (uint32_t node = 0; node < num_nodes; ++node) {
    const std::string& path = tree_->node(node).path;
    const auto found = node_of_path_.find(path);
    if (found != node_of_path_.end()) before_row[node] = found->second;
    compared[node] = compare_all_ || touched[node] || touched_paths_.contains(path);
  }
  const auto& values = measures_->values();
  for (size_t combo = 0; combo < measures_->num_combos(); ++combo) {
    for (size_t v = 0; v < values.size(); ++v) {
      const auto before = column_of_path_.find(splits_->path(combo) + values[v].name);
      const Column* column = before == column_of_path_.end() ? nullptr : &before->second;
      const Column now = measures_->compared_cells(combo, v, all);
      for (uint32_t node = 0; node < num_nodes; ++node) {
        if (!compared[node]) continue;
        // A group that is new (no node before) is sent; else when a cell changed.
        if (before_row[node] == kNoRow || cell_changed(column, before_row[node], now, node))
          changed_[node] = 1;
      }
    }
  }
  if (resends_touched_groups()) {
    for (uint32_t node = 0; node < num_nodes; ++node) {
      if (touched[node] || resent_paths_.contains(tree_->node(node).path)) changed_[node] = 1;
    }
  }
  node_of_path_.clear();
  column_of_path_.clear();
  touched_paths_.clear();
  resent_paths_.clear();
  joined_rows_.clear();
  tree_remembered_ = false;
  version_ = table_->version();
}

}  // namespace parallax
