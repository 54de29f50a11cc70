// How a grouped view follows a removal without rebuilding (with grouped_view_follow.cpp, which
// retracts the removed rows' cells as rows that left their groups): the removed rows leave the
// groups' row lists, the rows the table moved into their slots are renumbered, and groups and
// split columns left without rows disappear, as a rebuild would drop them.
#include <algorithm>
#include <cstring>

#include <absl/container/flat_hash_map.h>

#include "query/group_key.h"
#include "query/grouped_view.h"

namespace parallax {

namespace {

constexpr uint32_t kDropped = UINT32_MAX;

}  // namespace

void GroupedView::renumber_after_removal(
    const ChangeSet& changes,
    const absl::flat_hash_map<uint32_t, std::vector<uint32_t>>& leaving) const {
  // Groups keep their rows in primary-key order: each row is found by its key, numbered as
  // before the change (a removed row's key is in the change, a moved row's at its new slot).
  const size_t index = *table_->index_position();
  const Column& keys = table_->column(index);
  const Column& removed_keys = changes.removed_cells[index];
  absl::flat_hash_map<uint32_t, uint32_t> removed_at, moved_to;
  for (uint32_t i = 0; i < changes.removed.size(); ++i) removed_at.emplace(changes.removed[i], i);
  for (const auto& [before, after] : changes.moved) moved_to.emplace(before, after);
  auto key_of = [&](uint32_t row) -> std::pair<const Column*, uint32_t> {
    if (auto found = removed_at.find(row); found != removed_at.end())
      return {&removed_keys, found->second};
    if (auto found = moved_to.find(row); found != moved_to.end()) return {&keys, found->second};
    return {&keys, row};
  };
  auto before_less = [&](uint32_t a, uint32_t b) {
    const auto [a_keys, a_row] = key_of(a);
    const auto [b_keys, b_row] = key_of(b);
    return Table::key_less(*a_keys, a_row, *b_keys, b_row);
  };
  // Per group, (position, new number or kDropped) of each row to edit, all found before any
  // edit (while the group's rows are still numbered as before).
  absl::flat_hash_map<uint32_t, std::vector<std::pair<size_t, uint32_t>>> edits;
  auto locate = [&](uint32_t node, uint32_t row, uint32_t now) {
    const std::vector<uint32_t>& rows = nodes_[node].rows;
    auto found = std::lower_bound(rows.begin(), rows.end(), row, before_less);
    if (found == rows.end() || *found != row) found = std::find(rows.begin(), rows.end(), row);
    if (found != rows.end()) edits[node].emplace_back(found - rows.begin(), now);
  };
  for (const auto& [node, rows] : leaving) {
    for (const uint32_t row : rows) locate(node, row, kDropped);
  }
  for (const auto& [before, after] : changes.moved) {
    if (before >= leaf_of_row_.size() || leaf_of_row_[before] == kNoNode) continue;
    for (uint32_t node = leaf_of_row_[before];; node = nodes_[node].parent) {
      locate(node, before, after);
      Node& group = nodes_[node];
      if (group.key_row == before) group.key_row = after;
      if (node == 0) break;
    }
    // Split-only rows are groups keyed by their row number.
    if (group_by_.empty()) {
      child_index_.erase(ChildKey{0, true, before});
      child_index_[ChildKey{0, true, after}] = leaf_of_row_[before];
    }
  }
  for (auto& [node, list] : edits) {
    std::sort(list.begin(), list.end());
    std::vector<uint32_t>& rows = nodes_[node].rows;
    // Shifts the runs between edited positions down over the dropped rows.
    size_t out = list.front().first;
    for (size_t i = 0; i < list.size(); ++i) {
      const auto [position, now] = list[i];
      if (now != kDropped) rows[out++] = now;
      const size_t from = position + 1;
      const size_t end = i + 1 < list.size() ? list[i + 1].first : rows.size();
      if (out != from) {
        std::copy(rows.begin() + static_cast<std::ptrdiff_t>(from),
                  rows.begin() + static_cast<std::ptrdiff_t>(end),
                  rows.begin() + static_cast<std::ptrdiff_t>(out));
      }
      out += end - from;
    }
    rows.resize(out);
    // A group named by a removed row takes its first row instead.
    Node& group = nodes_[node];
    if (removed_at.contains(group.key_row) && !rows.empty()) group.key_row = rows.front();
  }

  // The rows numbered by table row.
  for (const auto& [before, after] : changes.moved) {
    if (before >= leaf_of_row_.size()) continue;
    leaf_of_row_[after] = leaf_of_row_[before];
    combo_of_row_[after] = combo_of_row_[before];
  }
  leaf_of_row_.resize(table_->num_rows(), kNoNode);
  combo_of_row_.resize(table_->num_rows(), 0);
  // Each split combination is named by one of its rows.
  for (uint32_t combo = 0; combo < combo_rows_.size(); ++combo) {
    uint32_t& row = combo_rows_[combo];
    if (auto found = moved_to.find(row); found != moved_to.end()) {
      row = found->second;
    } else if (removed_at.contains(row) && combo_sizes_[combo] > 0) {
      // (Rare: the first row of a column went; any other of its rows names it.)
      for (const uint32_t other : nodes_[0].rows) {
        if (combo_of_row_[other] == combo) {
          row = other;
          break;
        }
      }
    }
  }
}

void GroupedView::drop_emptied_groups(std::span<const uint32_t> touched) const {
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
    // As a rebuild forgets vanished groups: one that comes back is new.
    if (!group_by_.empty()) {
      known_paths_.erase(group.path);
      collapsed_.erase(group.path);
    }
    // A path no group has (live paths are whole keys), so nothing remembered by path names it.
    group.path = "gone " + std::to_string(node);
    group.children.clear();
    group.gone = true;
    absl::erase_if(ordered_, [&](const auto& entry) { return entry.first.second == node; });
  }
}

std::vector<uint32_t> GroupedView::drop_emptied_combos() const {
  std::vector<uint32_t> renumbered(combo_sizes_.size(), kNoNode);
  if (split_by_.empty()) {
    for (uint32_t combo = 0; combo < renumbered.size(); ++combo) renumbered[combo] = combo;
    return renumbered;
  }
  uint32_t kept = 0;
  for (uint32_t combo = 0; combo < combo_sizes_.size(); ++combo) {
    if (combo_sizes_[combo] > 0) renumbered[combo] = kept++;
  }
  if (kept == combo_sizes_.size()) return renumbered;
  // Ordered rows are kept by cell column: those of dropped combinations go with them.
  for (uint32_t combo = 0; combo < renumbered.size(); ++combo) {
    if (renumbered[combo] != kNoNode) continue;
    for (const Column& cells : cells_[combo]) {
      absl::erase_if(ordered_, [&](const auto& entry) { return entry.first.first == &cells; });
    }
  }
  auto compact = [&](auto& items) {
    for (uint32_t combo = 0; combo < renumbered.size(); ++combo) {
      if (renumbered[combo] != kNoNode && renumbered[combo] != combo)
        items[renumbered[combo]] = std::move(items[combo]);
    }
    items.resize(kept);
  };
  compact(cells_);
  compact(totals_);
  compact(combo_rows_);
  compact(combo_sizes_);
  compact(combo_paths_);
  // The touched groups' cells remembered for read_changed, by combination.
  if (tracking_ && marks_.cells.size() == renumbered.size()) compact(marks_.cells);
  absl::erase_if(combo_index_,
                 [&](const auto& entry) { return renumbered[entry.second] == kNoNode; });
  for (auto& [key, combo] : combo_index_) combo = renumbered[combo];
  // (Rows in no combination hold 0, which stays.)
  for (uint32_t& combo : combo_of_row_) {
    if (renumbered[combo] != kNoNode) combo = renumbered[combo];
  }
  return renumbered;
}

}  // namespace parallax
