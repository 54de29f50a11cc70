// A view with group_by and/or split_by: a tree of groups (a totals row, then a row per
// group at each level), each column aggregated per group and per split value.
//
// Built from the table's rows on first read; afterwards it follows each change
// (grouped_view_follow.cpp): changed rows leave their old groups and join their new ones,
// sums, counts and means retract and add (query/running_totals.h), the other aggregates are
// recomputed over the rows of just the groups the change touched (query/aggregate_rows.h),
// or in big groups read off their rows kept in order (query/ordered_rows.h).
// Removals retract the removed rows the same way and renumber the rows the table moved;
// groups and split columns left empty disappear (grouped_view_remove.cpp). Changes it cannot
// follow that way (clears, new split values, "col" sorts, removals while big groups keep
// ordered rows) mark it stale, and the next read rebuilds it.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "query/aggregate.h"
#include "query/column_source.h"
#include "query/filter.h"
#include "query/ordered_rows.h"
#include "query/running_totals.h"
#include "query/view.h"

namespace parallax {

class GroupedView final : public View {
 public:
  static Result<std::unique_ptr<GroupedView>> create(const Table& table, ViewConfig config);

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
  void table_changed(const ChangeSet& changes) override;
  Frame read_changed(const ChangeSet& changes) const override;

  // Makes every table change rebuild the view instead of following it (tests check that both
  // read the same).
  void set_follow_changes(bool follow) { follow_changes_ = follow; }
  // Makes big groups recompute their non-retractable aggregates over all their rows instead
  // of keeping them ordered (tests and benchmarks compare the two).
  void set_keep_ordered(bool keep) {
    keep_ordered_ = keep;
    ordered_.clear();
  }
  // How many (group, aggregate) orders are kept now (none until a change touches a group).
  size_t ordered_groups() const { return ordered_.size(); }
  // Groups of at most this many rows recompute their aggregates (cheap, and the sums then
  // agree with the reference to the last digit); bigger ones retract sums and keep the
  // other aggregates' rows ordered.
  static constexpr size_t kReaddBelow = 2048;

  Result<int64_t> expand(size_t row) override;
  Result<int64_t> collapse(size_t row) override;
  Status set_depth(size_t depth) override;

 private:
  // A visible column and how it is aggregated.
  struct ValueColumn {
    std::string name;
    size_t position;  // in the table
    Aggregate aggregate;
    DataType result_type;
  };
  struct Node {
    uint32_t parent = 0;
    uint32_t depth = 0;    // 0 for the totals row
    uint32_t key_row = 0;  // the table row that made this group (split-only: the row itself)
    std::string path;      // the encoded key path, which names the node across rebuilds
    std::vector<uint32_t> children;
    std::vector<uint32_t> rows;  // table rows, in primary-key order
    bool gone = false;           // emptied by a change followed: in no group's children
  };
  static constexpr uint32_t kNoNode = UINT32_MAX;
  // (parent, key valid, key bits) -> child node.
  using ChildKey = std::tuple<uint32_t, bool, int64_t>;

  GroupedView(const Table& table, ViewConfig config) : table_(&table), config_(std::move(config)) {}
  Result<ValueColumn> value_column(const std::string& name) const;
  // Rebuilds the tree and the aggregates when the view could not follow the last change.
  void refresh() const;
  void build_tree(const std::vector<uint32_t>& rows) const;
  // Building: each row's leaf group (leaf_of_row_), then each group's rows.
  void find_leaves(const std::vector<uint32_t>& rows) const;
  void fill_group_rows(const std::vector<uint32_t>& rows) const;
  // Orders sibling groups by their keys (as compare_cells: null first).
  void sort_by_key(std::vector<uint32_t>& siblings) const;
  void build_combos(const std::vector<uint32_t>& rows) const;
  void aggregate_nodes() const;
  // Where one aggregated quantity lives: value column `index` in combination `combo`, or
  // (index past the value columns) a row sort key, aggregated over every combination.
  struct Measure {
    const ValueColumn& value;
    Column& cells;                       // one per node
    std::vector<RunningTotals>& totals;  // one per node when retractable
    std::optional<uint32_t> combo;       // the combination its rows must be in, if any
  };
  size_t num_measures() const { return values_.size() + row_sort_.size(); }
  Measure measure(size_t index, uint32_t combo) const;
  // Aggregates `rows` (which belong to `node`) into the measure's cell of `node`. With
  // `keep_order` (following a change), a big group keeps its rows ordered for the measure's
  // non-retractable aggregate; a build keeps no such state: a view that never changes never
  // pays for it, and the first change that touches the group builds it.
  void fill(const Measure& measure, std::span<const uint32_t> rows, uint32_t node,
            bool keep_order = false) const;
  // The order the reference adds up a group's rows, which decides a float sum's last bits:
  // the rows of each leaf group below it (in primary-key order), leaves in key order; with
  // split_by, each leaf's rows by split combination, as the reference's row tree, whose
  // leaves go on to the split levels (a split cell adds its rows in primary-key order). "last"
  // and "any" take the last/first row in that order too, while "first", "last by index" and
  // the other row pickers go by primary key.
  // (The node's own rows, or `out` holding them in that order.)
  std::span<const uint32_t> aggregation_order(uint32_t node, std::vector<uint32_t>& out) const;
  // Whether `measure` adds rows up in aggregation_order rather than primary-key order.
  bool sums_in_tree_order(const Measure& measure) const;
  // As fill, over the node's rows in the measure's combination.
  void recompute(const Measure& measure, uint32_t node, std::vector<uint32_t>& scratch) const;
  // Big groups keep their rows ordered for each non-retractable measure instead of
  // recomputing it (grouped_view_ordered.cpp). fill_ordered: as fill, through an OrderedRows
  // kept for a big group; false (and nothing kept) for other groups and aggregates.
  bool fill_ordered(const Measure& measure, std::span<const uint32_t> rows, uint32_t node) const;
  // Moves a changed row out of (`adding` false) or into the measure's ordered rows of `node`,
  // if kept; its cells are at `position` of `input` and `argument`, and it is in `leaf`.
  void move_ordered(const Measure& measure, uint32_t node, uint32_t leaf, uint32_t row,
                    const Column& input, const Column* argument, uint32_t position,
                    bool adding) const;
  // Writes the measure's cell of `node` from its ordered rows; false when none are kept.
  bool settle_ordered(const Measure& measure, uint32_t node) const;
  // Orders two leaf groups by their keys, level by level (the tree's order of rows).
  int compare_leaves(uint32_t a, uint32_t b) const;
  void finish_percentages() const;
  // Per node among the first `count`: whether its children are shown (it and its ancestors
  // are expanded).
  std::vector<uint8_t> expanded_nodes(size_t count) const;
  // Orders a node's children as a view made now on the same rows (the reference's fresh
  // view; its live views keep the tie order they showed before, which Parallax does not
  // copy): by the row sort, ties and unsorted views by key (split-only rows: in natural
  // order). Without a row sort, the first `kept` children are known to be in key order
  // already and the others are inserted among them.
  void order_children_of(uint32_t node, size_t kept) const;
  // Orders the split combinations, with a "col" sort, as a fresh view does: each level's
  // siblings by the column's total, ties in key order. Answers the combinations in that order.
  std::vector<uint32_t> column_order() const;
  // The totals of value column `v` of sibling column-tree nodes at split `level`, each named
  // by its first combination (combinations in key order, those below the last ending at `end`).
  Column node_totals(size_t v, size_t level, const std::vector<uint32_t>& nodes,
                     uint32_t end) const;
  void order_combos() const;
  void layout_rows() const;
  // Gives groups among `nodes` that no layout has seen their starting collapse state.
  void settle_new_groups(std::span<const uint32_t> nodes) const;
  // Forgets the collapse state of groups that no longer exist: a group that comes back is
  // new, as in the reference (its tree drops emptied groups).
  void forget_vanished_groups() const;
  bool is_collapsed(uint32_t node) const { return collapsed_.contains(nodes_[node].path); }
  // The depth of the rows the tree ends in: one per group_by level; split-only rows sit one
  // level below a hidden totals row, as the reference's primary-key level.
  size_t leaf_depth() const { return std::max<size_t>(group_by_.size(), 1); }
  // The node at `row` as the reference's expand/collapse count rows: visible rows, but for
  // split-only views, whose hidden totals row is row 0. Nullopt past the end.
  std::optional<uint32_t> node_at_row(size_t row) const;
  // Marks every group below `node` collapsed (what the reference keeps of a hidden subtree).
  void collapse_below(uint32_t node) const;
  // The visible columns [start, end) a window reads, as the reference counts them.
  std::pair<size_t, size_t> column_window(const ViewWindow& window) const;
  // The combo and value column shown at visible column `index`.
  std::pair<size_t, size_t> column_at(size_t index) const;
  // The split combination key of `row`.
  std::string combo_key(uint32_t row) const;
  // Incremental maintenance (grouped_view_follow.cpp): answers false when the change must
  // be followed by a rebuild.
  bool follow(const ChangeSet& changes) const;
  // The leaf group `row` belongs in, made (with any missing ancestors and their keys in
  // levels_) if new; counts the children added per parent in `new_children`, if given
  // (the caller adds the row to the groups' rows).
  uint32_t find_or_add_leaf(uint32_t row,
                            absl::flat_hash_map<uint32_t, size_t>* new_children) const;
  // Grows every per-node column to the number of nodes.
  void add_node_columns() const;
  // After a removal's rows left their groups (`leaving`: node -> rows, numbered as before):
  // drops them from each group's rows and renumbers the rows the table moved into their
  // slots (grouped_view_remove.cpp).
  void renumber_after_removal(
      const ChangeSet& changes,
      const absl::flat_hash_map<uint32_t, std::vector<uint32_t>>& leaving) const;
  // Takes the groups among `touched` left without rows out of the tree (their nodes stay,
  // marked gone, so node numbers hold), as a rebuild would not make them.
  void drop_emptied_groups(std::span<const uint32_t> touched) const;
  // Drops the split combinations left without rows; answers each one's new number (kNoNode:
  // dropped).
  std::vector<uint32_t> drop_emptied_combos() const;

  // Change tracking for read_changed (grouped_view_changes.cpp): follow() remembers the
  // touched groups' cells before settling them and marks the groups that changed after;
  // a change that forces a rebuild remembers the whole tree, compared after the rebuild.
  void remember_cells(std::span<const uint32_t> touched, size_t nodes_before) const;
  // `joined`: the leaf groups the change added or moved rows into (kNoNode: none).
  void mark_followed(size_t nodes_before, std::span<const uint32_t> joined) const;
  // `left`, `gone`: the leaf groups the change's updated and removed rows were in (kNoNode:
  // none); groups a row was removed from are re-sent like those rows joined.
  void remember_tree(const ChangeSet& changes, size_t nodes_before, std::span<const uint32_t> left,
                     std::span<const uint32_t> gone) const;
  void mark_rebuilt(const ChangeSet& changes) const;
  // What is compared of value `v` in combination `combo` at `nodes`: its cells, or for a
  // percentage the sum it is a share of.
  Column compared_cells(size_t combo, size_t v, std::span<const uint32_t> nodes) const;
  // Whether a group a change touches is sent even unchanged ("count" or "last" columns).
  bool resends_touched_groups() const;
  void mark_path(uint32_t leaf) const;  // marks `leaf` and its ancestors changed
  struct ChangeMarks {
    std::optional<uint64_t> version;  // the table version `changed` describes
    std::vector<uint8_t> changed;     // per node
    // While following: the touched groups that existed and their cells [combo][value].
    std::vector<uint32_t> nodes;
    std::vector<std::vector<Column>> cells;
    // Before a rebuild: each group by path, each cell column by column path, the paths of
    // the groups the change's rows left, and whether every group must be compared.
    bool tree_remembered = false;
    bool compare_all = false;
    absl::flat_hash_set<std::string> touched_paths, resent_paths;
    absl::flat_hash_map<std::string, uint32_t> node_of_path;
    absl::flat_hash_map<std::string, Column> column_of_path;
  };
  mutable bool tracking_ = false;  // read_changed was asked: keep marks_
  mutable ChangeMarks marks_;

  const Table* table_;
  std::unique_ptr<ColumnSource> source_;  // table and expression columns, by column id
  ViewConfig config_;
  std::vector<size_t> group_by_, split_by_;
  std::vector<ValueColumn> values_;
  // One per sort key that orders rows (not a "col ..." direction).
  std::vector<std::pair<ValueColumn, SortDirection>> row_sort_;
  std::optional<std::pair<size_t, SortDirection>> column_sort_;  // value index, direction
  RowFilter filter_;
  mutable absl::flat_hash_set<std::string> collapsed_;  // paths of collapsed groups
  // How groups that appear after the view was made start out: expanded, until the reader
  // expands or collapses a row (then collapsed) or sets a depth (then as that depth says),
  // as the reference.
  enum class NewGroups { kExpanded, kCollapsed, kToDepth };
  NewGroups new_groups_ = NewGroups::kExpanded;
  size_t new_groups_depth_ = 0;
  // Whether the table was empty after its last change: the reference then starts its tree
  // afresh at the next change, with the totals row expanded whatever collapse said.
  bool table_was_empty_ = false;
  mutable absl::flat_hash_set<std::string> known_paths_;  // groups seen by a layout
  bool follow_changes_ = true;
  bool keep_ordered_ = true;

  mutable std::optional<uint64_t> version_;  // the table version the view reflects
  mutable std::vector<uint32_t> natural_;    // the table's rows in natural order
  mutable std::vector<Node> nodes_;          // parents before children
  mutable absl::flat_hash_map<ChildKey, uint32_t> child_index_;
  mutable std::vector<uint32_t> leaf_of_row_;     // by table row; kNoNode when filtered out
  mutable std::vector<uint32_t> combo_rows_;      // a table row of each split combination, in order
  mutable std::vector<std::string> combo_paths_;  // each combination's "a|b|" path prefix
  mutable absl::flat_hash_map<std::string, uint32_t> combo_index_;  // combo key -> combination
  mutable std::vector<size_t> combo_sizes_;                         // rows per combination
  mutable std::vector<uint32_t> combo_of_row_;                      // by table row
  mutable std::vector<std::vector<Column>> cells_;  // [combo][value]: one cell per node
  // [combo][value]: one per node, for retractable aggregates (empty for the others).
  mutable std::vector<std::vector<std::vector<RunningTotals>>> totals_;
  mutable std::vector<Column> sort_cells_;                       // [row sort key]: one per node
  mutable std::vector<std::vector<RunningTotals>> sort_totals_;  // [row sort key]: as totals_
  mutable std::vector<Column> levels_;                           // [group level]: key per node
  // (measure's cells, node) -> the rows of a big group in that measure's order.
  mutable absl::flat_hash_map<std::pair<const Column*, uint32_t>, std::unique_ptr<OrderedRows>>
      ordered_;
  mutable std::vector<uint32_t> visible_;  // nodes in display order
};

}  // namespace parallax
