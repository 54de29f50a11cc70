// Which rows of a grouped view the table's last change altered (View::read_changed), for
// ROW-mode on_update deltas. A row is sent when its group is new or one of its non-null cells
// changed (a cell that became null, as a split value leaving a group, does not count, as in
// the reference); a group the change added or moved a row into is sent anyway when a column
// is aggregated by "count" or "last", as the reference does. Groups that disappeared are not
// sent.
//
// Nothing is kept until read_changed is first asked (a ROW subscription starts with it), so
// views without subscribers pay nothing. When the view follows a change, only the touched
// groups' cells are remembered before and compared after: as in the reference, a group the
// change did not touch is not sent even when its share of a percentage moved. When the view
// must rebuild, every group's cells are remembered by group path and column path and
// compared with the rebuilt tree's.
#include <bit>
#include <numeric>

#include "query/grouped_view.h"

#include <algorithm>

namespace parallax {

namespace {

constexpr uint32_t kNoRow = UINT32_MAX;

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

Column GroupedView::compared_cells(size_t combo, size_t v, std::span<const uint32_t> nodes) const {
  // A percentage moves whenever its denominator does; the reference sends a group when the
  // sum it stores changed, so that is what is compared.
  if (!is_percentage(values_[v].aggregate.kind)) return cells_[combo][v].gathered(nodes);
  Column sums(DataType::kFloat);
  const std::vector<RunningTotals>& totals = totals_[combo][v];
  for (const uint32_t node : nodes) {
    if (node < totals.size() && totals[node].rows > 0) {
      sums.append<double>(totals[node].sum);
    } else {
      sums.append_null();
    }
  }
  return sums;
}

bool GroupedView::resends_touched_groups() const {
  return std::any_of(values_.begin(), values_.end(), [](const ValueColumn& value) {
    return descriptor(value.aggregate.kind).resent_when_touched;
  });
}

void GroupedView::mark_path(uint32_t leaf) const {
  if (leaf == kNoNode) return;
  for (uint32_t node = leaf;; node = nodes_[node].parent) {
    marks_.changed[node] = 1;
    if (node == 0) return;
  }
}

void GroupedView::remember_cells(std::span<const uint32_t> touched, size_t nodes_before) const {
  marks_.nodes.clear();
  for (const uint32_t node : touched) {
    if (node < nodes_before) marks_.nodes.push_back(node);
  }
  marks_.cells.assign(cells_.size(), {});
  for (size_t combo = 0; combo < cells_.size(); ++combo) {
    for (size_t v = 0; v < values_.size(); ++v) {
      marks_.cells[combo].push_back(compared_cells(combo, v, marks_.nodes));
    }
  }
}

void GroupedView::mark_followed(size_t nodes_before, std::span<const uint32_t> joined) const {
  marks_.changed.assign(nodes_.size(), 0);
  for (size_t node = nodes_before; node < nodes_.size(); ++node) marks_.changed[node] = 1;
  for (size_t combo = 0; combo < cells_.size(); ++combo) {
    for (size_t v = 0; v < values_.size(); ++v) {
      const Column& before = marks_.cells[combo][v];
      const Column now = compared_cells(combo, v, marks_.nodes);
      for (uint32_t i = 0; i < marks_.nodes.size(); ++i) {
        if (cell_changed(&before, i, now, i)) marks_.changed[marks_.nodes[i]] = 1;
      }
    }
  }
  if (resends_touched_groups()) {
    for (const uint32_t leaf : joined) mark_path(leaf);
  }
  marks_.cells.clear();
  marks_.nodes.clear();
  marks_.version = table_->version();
}

void GroupedView::remember_tree(const ChangeSet& changes, size_t nodes_before,
                                std::span<const uint32_t> left,
                                std::span<const uint32_t> gone) const {
  marks_.node_of_path.clear();
  marks_.column_of_path.clear();
  for (uint32_t node = 0; node < nodes_before; ++node) {
    marks_.node_of_path.emplace(nodes_[node].path, node);
  }
  std::vector<uint32_t> all(nodes_before);
  std::iota(all.begin(), all.end(), 0);
  // follow() may have moved the touched groups' totals before giving up: their cells as they
  // were came from remember_cells, if it got that far.
  const bool have_touched = marks_.cells.size() == cells_.size();
  for (size_t combo = 0; combo < cells_.size(); ++combo) {
    for (size_t v = 0; v < values_.size(); ++v) {
      Column cells = compared_cells(combo, v, all);
      for (uint32_t i = 0; have_touched && i < marks_.nodes.size(); ++i) {
        cells.set_from(marks_.nodes[i], marks_.cells[combo][v], i);
      }
      marks_.column_of_path.emplace(combo_paths_[combo] + values_[v].name, std::move(cells));
    }
  }
  marks_.cells.clear();
  marks_.nodes.clear();
  // Rows cleared are not named by the change: every group is compared then.
  marks_.compare_all = changes.cleared;
  auto add_paths = [&](std::span<const uint32_t> leaves, absl::flat_hash_set<std::string>& into) {
    for (uint32_t node : leaves) {
      while (node != kNoNode && node < nodes_before) {
        into.insert(nodes_[node].path);
        node = node == 0 ? kNoNode : nodes_[node].parent;
      }
    }
  };
  marks_.touched_paths.clear();
  marks_.resent_paths.clear();
  add_paths(left, marks_.touched_paths);
  add_paths(gone, marks_.touched_paths);
  add_paths(gone, marks_.resent_paths);
  marks_.tree_remembered = true;
}

void GroupedView::mark_rebuilt(const ChangeSet& changes) const {
  // The groups the change touched: those its rows left (remembered) and joined.
  marks_.changed.assign(nodes_.size(), 0);
  for (const auto* rows : {&changes.added_rows, &changes.updated_rows}) {
    for (const uint32_t row : *rows) {
      if (row < leaf_of_row_.size()) mark_path(leaf_of_row_[row]);
    }
  }
  std::vector<uint8_t> touched = std::move(marks_.changed);
  marks_.changed.assign(nodes_.size(), 0);
  std::vector<uint32_t> all(nodes_.size());
  std::iota(all.begin(), all.end(), 0);
  // Per group, once: its node before (kNoRow: new) and whether its cells are compared.
  std::vector<uint32_t> before_row(nodes_.size(), kNoRow);
  std::vector<uint8_t> compared(nodes_.size(), 0);
  for (uint32_t node = 0; node < nodes_.size(); ++node) {
    const std::string& path = nodes_[node].path;
    const auto found = marks_.node_of_path.find(path);
    if (found != marks_.node_of_path.end()) before_row[node] = found->second;
    compared[node] = marks_.compare_all || touched[node] || marks_.touched_paths.contains(path);
  }
  for (size_t combo = 0; combo < cells_.size(); ++combo) {
    for (size_t v = 0; v < values_.size(); ++v) {
      const auto before = marks_.column_of_path.find(combo_paths_[combo] + values_[v].name);
      const Column* column = before == marks_.column_of_path.end() ? nullptr : &before->second;
      const Column now = compared_cells(combo, v, all);
      for (uint32_t node = 0; node < nodes_.size(); ++node) {
        if (!compared[node]) continue;
        // A group that is new (no node before) is sent; else when a cell changed.
        if (before_row[node] == kNoRow || cell_changed(column, before_row[node], now, node))
          marks_.changed[node] = 1;
      }
    }
  }
  if (resends_touched_groups()) {
    for (uint32_t node = 0; node < nodes_.size(); ++node) {
      if (touched[node] || marks_.resent_paths.contains(nodes_[node].path))
        marks_.changed[node] = 1;
    }
  }
  marks_.node_of_path.clear();
  marks_.column_of_path.clear();
  marks_.touched_paths.clear();
  marks_.resent_paths.clear();
  marks_.tree_remembered = false;
  marks_.version = table_->version();
}

Frame GroupedView::read_changed(const ChangeSet& changes) const {
  const bool was_tracking = std::exchange(tracking_, true);
  refresh();
  if (marks_.tree_remembered) mark_rebuilt(changes);
  Frame frame = read({}, KeyColumns::kNone);
  frame.row_path.reset();  // the reference's deltas carry no "__ROW_PATH__"
  if (changes.empty()) {
    frame.rows.clear();
    return frame;
  }
  // Not tracked yet, or a change this view was not told of: every row may have changed.
  if (!was_tracking || marks_.version != table_->version()) return frame;
  std::erase_if(frame.rows, [&](uint32_t node) { return !marks_.changed[node]; });
  return frame;
}

}  // namespace parallax
