// How a grouped view follows a removal without rebuilding (with grouped_view_follow.cpp, which
// retracts the removed rows' cells as rows that left their groups): the removed rows leave the
// groups' row lists, the rows the table moved into their slots are renumbered, and groups and
// split columns left without rows disappear, as a rebuild would drop them.
#include <algorithm>
#include <cstring>

#include <absl/container/flat_hash_map.h>

#include "query/grouped_view.h"

namespace parallax {

namespace {

constexpr uint32_t kDropped = UINT32_MAX;

}  // namespace

void GroupedView::renumber_after_removal(
    const ChangeSet& changes, const absl::flat_hash_map<uint32_t, std::vector<uint32_t>>& leaving) {
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
    const std::vector<uint32_t>& rows = tree_.node(node).rows;
    auto found = std::lower_bound(rows.begin(), rows.end(), row, before_less);
    if (found == rows.end() || *found != row) found = std::find(rows.begin(), rows.end(), row);
    if (found != rows.end()) edits[node].emplace_back(found - rows.begin(), now);
  };
  for (const auto& [node, rows] : leaving) {
    for (const uint32_t row : rows) locate(node, row, kDropped);
  }
  for (const auto& [before, after] : changes.moved) {
    if (tree_.leaf_of(before) == kNoNode) continue;
    for (uint32_t node = tree_.leaf_of(before);; node = tree_.node(node).parent) {
      locate(node, before, after);
      Node& group = tree_.node(node);
      if (group.key_row == before) group.key_row = after;
      if (node == 0) break;
    }
  }
  for (auto& [node, list] : edits) {
    std::sort(list.begin(), list.end());
    std::vector<uint32_t>& rows = tree_.node(node).rows;
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
    Node& group = tree_.node(node);
    if (removed_at.contains(group.key_row) && !rows.empty()) group.key_row = rows.front();
  }

  // The rows numbered by table row.
  for (const auto& [before, after] : changes.moved) {
    tree_.move_row(before, after);
    splits_.move_row(before, after);
  }
  tree_.resize_rows(table_->num_rows());
  splits_.resize_rows(table_->num_rows());
  splits_.rename_after_removal(
      moved_to, [&](uint32_t row) { return removed_at.contains(row); }, tree_.node(0).rows);
}

size_t GroupedView::drop_emptied_groups(std::span<const uint32_t> touched) {
  const auto dropped = tree_.drop_emptied(touched);
  for (const auto& [node, path] : dropped) {
    // As a rebuild forgets vanished groups: one that comes back is new.
    if (!group_by_.empty()) layout_.forget_group(path);
    measures_->forget_node(node);
  }
  return dropped.size();
}

std::vector<uint32_t> GroupedView::drop_emptied_combos() {
  const std::vector<uint32_t> renumbered = splits_.drop_emptied();
  measures_->compact_combos(renumbered);
  // The touched groups' cells remembered for read_changed, by combination.
  if (marks_->tracking()) marks_->compact_combos(renumbered);
  return renumbered;
}

}  // namespace parallax
