// A view with group_by and/or split_by: a tree of groups (a totals row, then a row per
// group at each level), each column aggregated per group and per split value.
//
// Its parts, each with one job: the group tree (query/group_tree.h), the split columns
// (query/split_columns.h), the aggregated cells (query/grouped_measures.h), the layout of the
// rows the reader sees (query/grouped_layout.h) and, for ROW-mode deltas, which groups a
// change altered (query/change_marks.h). This class makes them from the config, orders rows
// and columns as the reference does (grouped_view_order.cpp) and keeps them together as the
// table changes.
//
// Built at the first refresh(); afterwards it follows each change (grouped_view_follow.cpp):
// changed rows leave their old groups and join their new ones, sums, counts and means retract
// and add (query/running_totals.h), the other aggregates are recomputed over the rows of just
// the groups the change touched (query/aggregate_rows.h), or in big groups read off their rows
// kept in order (query/ordered_rows.h). Removals retract the removed rows the same way and
// renumber the rows the table moved; groups and split columns left empty disappear
// (grouped_view_remove.cpp). Changes it cannot follow that way (clears, new split values,
// "col" sorts, removals while big groups keep ordered rows) leave it stale, and the next
// refresh() rebuilds it. Reads are const and change nothing: the view must be current (the
// engine refreshes a view before handing it to readers; debug builds check).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "query/change_marks.h"
#include "query/column_source.h"
#include "query/filter.h"
#include "query/group_tree.h"
#include "query/grouped_layout.h"
#include "query/grouped_measures.h"
#include "query/split_columns.h"
#include "query/view.h"

namespace parallax {

class GroupedView final : public View {
 public:
  // `pool`: the threads its builds may use (none: the calling thread alone); a build's result
  // never depends on how many there are.
  static Result<std::unique_ptr<GroupedView>> create(const Table& table, ViewConfig config,
                                                     TaskPool* pool = nullptr);

  const ViewConfig& config() const override { return config_; }
  const Table& table() const override { return *table_; }
  size_t num_rows() const override;
  size_t num_columns() const override;
  std::vector<Field> schema() const override;
  std::vector<std::string> column_paths() const override;
  Result<std::pair<Scalar, Scalar>> min_max(const std::string& column) const override;
  Frame read(const ViewWindow& window, KeyColumns keys) const override;
  bool is_inverted(const ViewWindow& window) const override;
  Status check_window(const ViewWindow& window) const override;
  std::vector<Field> expression_schema() const override { return source_->expression_fields(); }
  // Rebuilds the tree and the aggregates when the view could not follow the last change.
  void refresh() override;
  bool is_current() const override { return version_ == table_->version(); }
  void table_changed(const ChangeSet& changes) override;
  void track_changes() override { marks_->start_tracking(); }
  Frame read_changed(const ChangeSet& changes) const override;

  Result<int64_t> expand(size_t row) override;
  Result<int64_t> collapse(size_t row) override;
  Status set_depth(size_t depth) override;

  // Testing hooks: tests and benchmarks compare the ways the view can follow changes.
  // Makes every table change rebuild the view instead of following it.
  void set_follow_changes_for_testing(bool follow) { follow_changes_ = follow; }
  // Makes big groups recompute their non-retractable aggregates over all their rows instead
  // of keeping them ordered.
  void set_keep_ordered_for_testing(bool keep) { measures_->set_keep_ordered(keep); }
  // How many (group, aggregate) orders are kept now (none until a change touches a group).
  size_t ordered_groups_for_testing() const { return measures_->ordered_groups(); }
  // How many texts the aggregated cells' dictionaries hold (a join's texts among them).
  size_t texts_held_for_testing() const { return measures_->texts_held(); }
  static constexpr size_t kReaddBelow = GroupedMeasures::kReaddBelow;

 private:
  using ValueColumn = GroupedMeasures::ValueColumn;
  using Measure = GroupedMeasures::Measure;
  using Node = GroupTree::Node;
  static constexpr uint32_t kNoNode = GroupTree::kNoNode;

  GroupedView(const Table& table, ViewConfig config) : table_(&table), config_(std::move(config)) {}
  Result<ValueColumn> value_column(const std::string& name) const;
  const std::vector<ValueColumn>& values() const { return measures_->values(); }
  // The invariants between the parts, as kInternal naming the first broken one; checked after
  // every build and change followed in debug builds (common/check.h).
  Status check_invariants() const;

  // Ordering (grouped_view_order.cpp). Orders a node's children as a view made now on the
  // same rows (the reference's fresh view; its live views keep the tie order they showed
  // before, which Parallax does not copy): by the row sort, ties and unsorted views by key
  // (split-only rows: in natural order). Without a row sort, the first `kept` children are
  // known to be in key order already and the others are inserted among them. With a row
  // sort, `moved` (by node; null: every child) flags the children whose cells may have
  // changed since they were last ordered. Answers whether the children's order changed (and
  // then the order they had in `previous`, if given).
  bool order_children_of(uint32_t node, size_t kept, const std::vector<uint8_t>* moved = nullptr,
                         std::vector<uint32_t>* previous = nullptr);
  // The order of order_children_of: by key, and by the row sort then key.
  bool key_less(uint32_t a, uint32_t b) const;
  bool sorted_less(uint32_t a, uint32_t b) const;
  // Whether a change of some children's cells leaves the others in order (a row sort that
  // sorts no percentage), so that move_child can put them back one by one.
  bool moves_children_one_by_one() const;
  // After a change of `child`'s cells alone among the children of `node`, which were in
  // order before: moves it to its place, O(log n) comparisons and a shift of the children
  // between. Answers its index before and after, or nullopt when it stays.
  std::optional<std::pair<size_t, size_t>> move_child(uint32_t node, uint32_t child);
  // Orders the split combinations (with a "col" sort, as a fresh view's column traversal)
  // and names their columns.
  void order_combos();
  // Lays out the rows after nodes were added (`nodes`: the new ones).
  void lay_out(std::span<const uint32_t> new_nodes);

  // The visible columns [start, end) a window reads, as the reference counts them.
  std::pair<size_t, size_t> column_window(const ViewWindow& window) const;
  // The combo and value column shown at visible column `index`.
  std::pair<size_t, size_t> column_at(size_t index) const;

  // Incremental maintenance (grouped_view_follow.cpp): answers false when the change must
  // be followed by a rebuild.
  bool follow(const ChangeSet& changes);
  // After a removal's rows left their groups (`leaving`: node -> rows, numbered as before):
  // drops them from each group's rows and renumbers the rows the table moved into their
  // slots (grouped_view_remove.cpp).
  void renumber_after_removal(const ChangeSet& changes,
                              const absl::flat_hash_map<uint32_t, std::vector<uint32_t>>& leaving);
  // Takes the groups among `touched` left without rows out of the tree (GroupTree::
  // drop_emptied) and forgets what the other parts kept of them; answers how many it dropped.
  size_t drop_emptied_groups(std::span<const uint32_t> touched);
  // Drops the split combinations left without rows; answers each one's new number
  // (SplitColumns::kDropped: dropped).
  std::vector<uint32_t> drop_emptied_combos();

  const Table* table_;
  TaskPool* pool_ = nullptr;              // for builds; may be null
  std::unique_ptr<ColumnSource> source_;  // table and expression columns, by column id
  ViewConfig config_;
  std::vector<size_t> group_by_, split_by_;
  std::optional<std::pair<size_t, SortDirection>> column_sort_;  // value index, direction
  RowFilter filter_;
  // Whether the table was empty after its last change: the reference then starts its tree
  // afresh at the next change, with the totals row expanded whatever collapse said.
  bool table_was_empty_ = false;
  bool follow_changes_ = true;
  std::optional<uint64_t> version_;  // the table version the view reflects
  std::vector<uint32_t> natural_;    // filtered views of indexed tables: rows in natural order

  // The parts; each later one reads the earlier ones (and lives as long as the view).
  GroupTree tree_;
  SplitColumns splits_;
  std::unique_ptr<GroupedMeasures> measures_;
  GroupedLayout layout_;
  std::vector<uint32_t> child_index_;  // by node: its index among its siblings (a hint)
  std::unique_ptr<ChangeMarks> marks_;
};

}  // namespace parallax
