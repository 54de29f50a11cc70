// How a grouped view follows a table change without rebuilding: each changed row leaves the
// groups it was in and joins the groups it belongs to now; retractable aggregates retract its
// old cells and add its new ones, the others are recomputed over just the touched groups
// (big groups move the row in their ordered rows instead: grouped_view_ordered.cpp).
#include <algorithm>
#include <numeric>
#include <utility>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "common/check.h"
#include "query/aggregate_rows.h"
#include "query/grouped_view.h"

namespace parallax {

bool GroupedView::follow(const ChangeSet& changes) {
  // Only a view that reflected the table just before this change can follow it.
  if (!version_ || *version_ + 1 != table_->version()) return false;
  // "col" sorts reorder combinations by their totals.
  if (changes.cleared || column_sort_) return false;
  // A removal's rows leave their groups as updated rows that no longer pass the filter
  // would, with their cells in the change (a table only removes in changes of their own).
  const bool removal = changes.removed_rows > 0;
  if (removal && (!changes.added_rows.empty() || !changes.updated_rows.empty())) return false;
  // Ordered rows (grouped_view_ordered.cpp) hold row numbers that a removal moves: not
  // renumbered yet, so those views rebuild.
  if (removal && measures_->keeps_ordered_rows()) return false;
  // A limit overwriting rows of a table without an index changes their natural order.
  if (!table_->index_position() && !changes.updated_rows.empty()) return false;
  // The totals row of an empty table shows no values: rebuild once rows arrive.
  if (table_->num_rows() == changes.added_rows.size()) return false;

  // Rows numbered as before the change (a removal renumbers them once they left).
  if (!removal) {
    tree_.resize_rows(table_->num_rows());
    splits_.resize_rows(table_->num_rows());
  }
  std::vector<uint32_t> changed = removal ? changes.removed : changes.updated_rows;
  changed.insert(changed.end(), changes.added_rows.begin(), changes.added_rows.end());
  const size_t num_existed = removal ? changes.removed.size() : changes.updated_rows.size();
  const std::vector<uint8_t> passes = removal           ? std::vector<uint8_t>(changed.size(), 0)
                                      : filter_.empty() ? std::vector<uint8_t>(changed.size(), 1)
                                                        : filter_.evaluate_rows(*source_, changed);

  // Upserts that leave a row's group_by cells as they were keep it in its leaf (no lookup).
  std::vector<uint8_t> same_group(num_existed, !removal && !group_by_.empty());
  for (const size_t position : removal ? std::vector<size_t>() : group_by_) {
    const Column &was = source_->previous(position, changes), &now = source_->column(position);
    visit_type(now.type(), [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      for (size_t i = 0; i < num_existed; ++i) {
        const uint32_t row = changed[i];
        if (!same_group[i]) continue;
        if (was.is_null(i) || now.is_null(row)) {
          same_group[i] = was.is_null(i) && now.is_null(row);  // null stays null
          continue;
        }
        if constexpr (std::is_same_v<Storage, uint32_t>) {
          same_group[i] = was.string_at(i) == now.string_at(row);
        } else {
          same_group[i] = was.value<Storage>(i) == now.value<Storage>(row);  // -0 == 0 too
        }
      }
    });
  }

  // Where each changed row was: unfiltered, a row whose group_by cells stayed is in the leaf
  // of its keys, found by key (GroupTree::find_leaf: its cells were just read, where leaf_of
  // is one more cache miss a row and view, the most a change of random rows costs).
  const bool by_key = filter_.empty() && !removal && !group_by_.empty();
  std::vector<uint32_t> old_leaves(num_existed);
  for (size_t i = 0; i < num_existed; ++i) {
    old_leaves[i] =
        by_key && same_group[i] ? tree_.find_leaf(changed[i]) : tree_.leaf_of(changed[i]);
    PX_DCHECK(old_leaves[i] == tree_.leaf_of(changed[i]));
  }

  // Where each changed row belongs now (new groups are made here).
  const size_t nodes_before = tree_.size();
  absl::flat_hash_map<uint32_t, size_t> new_children;  // parent -> children added at its end
  std::vector<uint32_t> new_leaf(changed.size(), kNoNode), new_combo(changed.size(), 0);
  for (size_t i = 0; i < changed.size(); ++i) {
    if (!passes[i]) continue;
    const std::optional<uint32_t> combo = splits_.find(changed[i]);
    if (!combo) return false;  // a new column: rebuild
    new_combo[i] = *combo;
    const uint32_t kept = i < num_existed && same_group[i] ? old_leaves[i] : kNoNode;
    new_leaf[i] = kept != kNoNode ? kept : tree_.find_or_add_leaf(changed[i], &new_children);
  }
  measures_->add_node_columns();

  // Big groups that this change moves many rows of: recomputed, not moved row by row
  // (GroupedMeasures::kMoveShare); and those where it moves too many to build an order.
  std::vector<uint8_t> no_build(tree_.size(), 0);
  if (changed.size() > 1) {
    std::vector<uint32_t> moves(tree_.size(), 0);
    auto count_path = [&](uint32_t node) {
      for (; node != kNoNode; node = tree_.node(node).parent) {
        ++moves[node];
        if (node == 0) break;
      }
    };
    for (size_t i = 0; i < changed.size(); ++i) {
      if (i < num_existed) count_path(old_leaves[i]);
      count_path(new_leaf[i]);
    }
    for (uint32_t node = 0; node < tree_.size(); ++node) {
      const size_t rows = tree_.node(node).rows.size();
      if (rows <= GroupedMeasures::kReaddBelow) continue;
      no_build[node] = moves[node] * GroupedMeasures::kBuildShare > rows;
      if (moves[node] * GroupedMeasures::kMoveShare > rows) measures_->forget_node(node);
    }
  }

  // Groups made by this change, and var and stddev in groups of up to kReaddBelow rows, are
  // recomputed when settled (below): their running totals are not moved row by row on the way
  // (sums, means and counts retract in groups of any size: exact). Noted as the walk first
  // touches each group (before rows join or leave it), not for every group: a change of one
  // row in 50,000 groups.
  std::vector<uint8_t> made(tree_.size(), 1), small(tree_.size(), 1);
  // max and min (without split_by) follow from each group's value before and the changed rows
  // that left and joined it (follow_extreme): the rows' positions in the cells before (left)
  // and now (joined), by group.
  bool extremes = splits_.empty_split();
  if (extremes) {
    extremes = false;
    for (size_t m = 0; m < measures_->num_measures(); ++m) {
      const AggregateKind kind = measures_->measure(m, 0).value.aggregate.kind;
      extremes = extremes || kind == AggregateKind::kMax || kind == AggregateKind::kMin;
    }
  }
  absl::flat_hash_map<uint32_t, std::vector<uint32_t>> left_at, joined_at;
  std::vector<uint8_t> is_touched(tree_.size(), 0);
  std::vector<uint32_t> touched;
  absl::flat_hash_set<std::pair<uint32_t, uint32_t>> touched_cells;       // (node, combination)
  absl::flat_hash_map<uint32_t, std::vector<uint32_t>> joining, leaving;  // node -> rows
  // Adds (sign +1) or retracts (-1) the row's cells (`position` in `columns`) along the path
  // from `leaf` to the totals row.
  auto walk = [&](uint32_t leaf, uint32_t combo, uint32_t other_leaf, int sign, uint32_t row,
                  auto&& column_of, uint32_t position) {
    for (uint32_t node = leaf;; node = tree_.node(node).parent) {
      if (!std::exchange(is_touched[node], 1)) {
        touched.push_back(node);
        made[node] = node >= nodes_before;
        small[node] = tree_.node(node).rows.size() <= GroupedMeasures::kReaddBelow;
      }
      touched_cells.insert({node, combo});
      for (size_t m = 0; m < measures_->num_measures(); ++m) {
        const Measure slot = measures_->measure(m, combo);
        const Aggregate& aggregate = slot.value.aggregate;
        const Column* argument = aggregate.argument ? &column_of(*aggregate.argument) : nullptr;
        const Column& input = column_of(slot.value.position);
        if (!is_retractable(aggregate.kind)) {
          measures_->move_ordered(slot, node, leaf, row, input, argument, position, sign > 0);
          continue;
        }
        if (!made[node] && !(small[node] && GroupedMeasures::readds_small_groups(aggregate.kind)))
          slot.totals[node].add(aggregate.kind, input, argument, position, sign);
      }
      if (extremes) (sign > 0 ? joined_at : left_at)[node].push_back(position);
      if (!tree_.on_path(other_leaf, node)) (sign > 0 ? joining : leaving)[node].push_back(row);
      if (node == 0) break;
    }
  };
  if (marks_->tracking()) {
    // For read_changed, before any total moves: the cells of the groups on the changed rows'
    // old and new paths (the ones the walk below touches).
    std::vector<uint8_t> seen(tree_.size(), 0);
    std::vector<uint32_t> paths;
    auto add_path = [&](uint32_t node) {
      for (; node != kNoNode && !std::exchange(seen[node], 1); node = tree_.node(node).parent) {
        paths.push_back(node);
        if (node == 0) break;
      }
    };
    for (size_t i = 0; i < changed.size(); ++i) {
      if (i < num_existed) add_path(old_leaves[i]);
      add_path(new_leaf[i]);
    }
    marks_->remember_cells(paths, nodes_before);
  }
  auto previous = [&](size_t id) -> const Column& {
    return removal ? source_->removed(id, changes) : source_->previous(id, changes);
  };
  auto current = [&](size_t id) -> const Column& { return source_->column(id); };
  std::vector<uint32_t> left_groups;  // a removal's: re-sent as groups rows joined
  for (size_t i = 0; i < changed.size(); ++i) {
    const uint32_t row = changed[i];
    const bool existed = i < num_existed;
    const uint32_t old_leaf = existed ? old_leaves[i] : kNoNode;
    if (removal) left_groups.push_back(old_leaf);
    const uint32_t old_combo = splits_.of(row);
    if (old_leaf != kNoNode) {
      splits_.count_row(old_combo, -1);
      walk(old_leaf, old_combo, new_leaf[i], -1, row, previous, static_cast<uint32_t>(i));
    }
    if (new_leaf[i] != kNoNode) {
      splits_.count_row(new_combo[i], 1);
      walk(new_leaf[i], new_combo[i], old_leaf, 1, row, current, row);
    }
    if (new_leaf[i] != old_leaf) tree_.set_leaf(row, new_leaf[i]);
    splits_.set(row, new_combo[i]);
  }

  // Group membership, kept in natural order.
  auto natural = [&](uint32_t a, uint32_t b) { return table_->natural_less(a, b); };
  if (removal) {
    renumber_after_removal(changes, leaving);
  } else {
    for (auto& [node, rows] : leaving) {
      const absl::flat_hash_set<uint32_t> gone(rows.begin(), rows.end());
      std::erase_if(tree_.node(node).rows, [&](uint32_t row) { return gone.contains(row); });
    }
  }
  for (auto& [node, rows] : joining) {
    std::vector<uint32_t>& members = tree_.node(node).rows;
    std::sort(rows.begin(), rows.end(), natural);
    const size_t before = members.size();
    members.insert(members.end(), rows.begin(), rows.end());
    std::inplace_merge(members.begin(), members.begin() + static_cast<std::ptrdiff_t>(before),
                       members.end(), natural);
  }
  // A group or a split column that lost its last row disappears.
  // Groups came or went: the rows are laid out afresh (below; else only reordered ones move).
  const bool reshaped = drop_emptied_groups(touched) > 0 || tree_.size() != nodes_before;
  const std::vector<uint32_t> renumbered = drop_emptied_combos();
  {
    absl::flat_hash_set<std::pair<uint32_t, uint32_t>> kept;
    for (const auto& [node, combo] : touched_cells) {
      if (!tree_.node(node).gone && renumbered[combo] != SplitColumns::kDropped)
        kept.insert({node, renumbered[combo]});
    }
    touched_cells = std::move(kept);
  }

  // The touched groups' cells.
  std::vector<uint32_t> scratch;
  auto settle = [&](const Measure& slot, uint32_t node) {
    const AggregateKind kind = slot.value.aggregate.kind;
    // Var and stddev of small groups (before or after the change) are recomputed; sums were
    // retracted and added, exactly.
    const bool readd =
        GroupedMeasures::readds_small_groups(kind) &&
        (small[node] || tree_.node(node).rows.size() <= GroupedMeasures::kReaddBelow);
    if (!is_retractable(kind) && measures_->settle_ordered(slot, node)) return;
    if (extremes && node < nodes_before && !tree_.node(node).rows.empty() &&
        follow_extreme(kind, previous(slot.value.position), left_at[node],
                       current(slot.value.position), joined_at[node], slot.cells, node)) {
      return;
    }
    if (!is_retractable(kind) || readd || made[node]) {
      return measures_->recompute(slot, node, scratch, !no_build[node]);
    }
    slot.totals[node].write(kind, slot.cells, node, slot.combo.has_value());
  };
  for (const auto& [node, combo] : touched_cells) {
    for (size_t v = 0; v < values().size(); ++v) settle(measures_->measure(v, combo), node);
  }
  for (const uint32_t node : touched) {
    if (tree_.node(node).gone) continue;
    for (size_t k = values().size(); k < measures_->num_measures(); ++k)
      settle(measures_->measure(k, 0), node);
  }
  measures_->percentages_moved();

  // The touched children of each touched group: one alone moves by binary search.
  absl::flat_hash_map<uint32_t, std::vector<uint32_t>> touched_children;
  const bool one_by_one = !reshaped && moves_children_one_by_one();
  if (one_by_one) {
    for (const uint32_t node : touched) {
      if (node != 0) touched_children[tree_.node(node).parent].push_back(node);
    }
  }
  std::vector<uint32_t> previous_order;
  for (const uint32_t node : touched) {
    auto found = new_children.find(node);
    const size_t added = found == new_children.end() ? 0 : found->second;
    if (auto moving = touched_children.find(node);
        moving != touched_children.end() && moving->second.size() == 1 && added == 0) {
      if (const auto moved = move_child(node, moving->second[0]))
        layout_.child_moved(tree_, node, moved->first, moved->second);
      continue;
    }
    // Laying out walks every group shown: a one-row change into 50,000 groups moves the rows
    // of the reordered children only.
    if (order_children_of(node, tree_.node(node).children.size() - added, &is_touched,
                          &previous_order) &&
        !reshaped) {
      layout_.children_reordered(tree_, node, previous_order);
    }
  }
  if (reshaped) {
    std::vector<uint32_t> created(tree_.size() - nodes_before);
    std::iota(created.begin(), created.end(), static_cast<uint32_t>(nodes_before));
    lay_out(created);
  }
  version_ = table_->version();
  if (marks_->tracking()) marks_->mark_followed(nodes_before, removal ? left_groups : new_leaf);
  PX_DCHECK_OK(check_invariants());
  return true;
}

}  // namespace parallax
