// A view with group_by over a virtual table: one query per group level (the totals row,
// then GROUP BY the first 1, 2, ... levels), each aggregate computed by the database as the
// engine computes it (sql_compiler.h). The groups come back (bounded: kMaxGroups) and are
// laid out here as the engine's tree: children by key, then stably by the row sort; the
// totals row first; expand, collapse and set_depth as the engine's grouped views.
// With split_by the combinations of split values are fetched first (bounded:
// kMaxSplitColumns, split_combos.h), ordered and named as the engine's (by key, or by a "col"
// sort's totals level by level); each level's cells are then aggregated per group and combination
// (GROUP BY the group and split columns: only the cells that have rows cross, whatever the
// number of combinations) and pivoted into the combinations' columns here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "query/aggregate.h"
#include "virtual/split_combos.h"
#include "virtual/virtual_table.h"

namespace parallax {

class VirtualGroupedView final : public VirtualView {
 public:
  // Past this many groups (all levels together) a view is refused with an error.
  static constexpr size_t kMaxGroups = 1'000'000;
  // Past this many cells of groups in split combinations (all levels together), likewise.
  static constexpr size_t kMaxSplitCells = 10'000'000;

  static Result<std::unique_ptr<VirtualGroupedView>> create(const VirtualTable& table,
                                                            ViewConfig config);

  const ViewConfig& config() const override { return config_; }
  size_t num_rows() const override { return visible_.size(); }
  size_t num_columns() const override { return tree_.cells.size(); }
  std::vector<Field> schema() const override;
  std::vector<std::string> column_paths() const override;
  Result<std::pair<Scalar, Scalar>> min_max(const std::string& column) const override;
  Frame read(const ViewWindow& window, KeyColumns keys) const override;
  bool is_inverted(const ViewWindow& window) const override;
  Status check_window(const ViewWindow& window) const override;
  std::vector<Field> expression_schema() const override { return source().expression_fields(); }
  Frame read_changed(const ChangeSet& changes) const override;
  Result<int64_t> expand(size_t row) override;
  Result<int64_t> collapse(size_t row) override;
  Status set_depth(size_t depth) override;
  Result<bool> rerun() override;

 private:
  // A column shown (or sorted by) and its aggregate as SQL.
  struct Measure {
    std::string name;
    DataType input;
    AggregateKind kind;
    DataType result;
    std::string spelled;  // the aggregate as the config names it
    std::string sql;      // over the whole group
  };
  using Combo = SplitCombo;
  struct Node {
    uint32_t parent = 0;
    uint32_t depth = 0;
    std::string path;  // the keys down to it, which name it across reruns
    std::vector<uint32_t> children;
  };
  // The groups and their cells, as one rerun read them.
  struct Tree {
    std::vector<Node> nodes;
    std::vector<Column> levels;      // [group level]: key per node
    std::vector<Combo> combos;       // none without split_by
    std::vector<Column> cells;       // [combination * values + value]: one per node
    std::vector<Column> sort_cells;  // [row sort key]: one per node
  };

  VirtualGroupedView(const VirtualTable& table, ViewConfig config)
      : VirtualView(table), config_(std::move(config)) {}
  Result<Measure> measure(const std::string& name) const;
  Result<Tree> query_tree() const;
  Status order_combos(std::vector<Combo>& combos) const;
  size_t num_combos() const { return split_by_.empty() ? 1 : tree_.combos.size(); }
  // pct sum parent / total: the cells hold the groups' sums until then (sql_compiler.h).
  void place_percentages(Tree& tree) const;
  void order_children(Tree& tree) const;
  void layout_rows();
  void settle_new_groups();
  void collapse_below(uint32_t node);
  bool is_collapsed(uint32_t node) const { return collapsed_.contains(tree_.nodes[node].path); }
  size_t leaf_depth() const { return group_by_.size(); }

  ViewConfig config_;
  std::vector<size_t> group_by_, split_by_;  // table column positions
  // The value a "col" sort orders split columns by, and its direction.
  std::optional<std::pair<size_t, SortDirection>> column_sort_;
  std::vector<Measure> values_;
  std::vector<std::pair<Measure, SortDirection>> row_sort_;
  std::string where_;
  Tree tree_;
  std::vector<uint32_t> visible_;  // nodes in display order
  absl::flat_hash_set<std::string> collapsed_, known_paths_;
  // How groups that appear at a rerun start: expanded, until the reader expands or
  // collapses (then collapsed) or sets a depth (then as that depth says), as the engine.
  enum class NewGroups { kExpanded, kCollapsed, kToDepth };
  NewGroups new_groups_ = NewGroups::kExpanded;
  size_t new_groups_depth_ = 0;
};

}  // namespace parallax
