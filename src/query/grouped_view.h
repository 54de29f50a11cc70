// A view with group_by and/or split_by: a tree of groups (a totals row, then a row per
// group at each level), each column aggregated per group and per split value. Aggregates
// are computed from each group's rows, so every reference aggregate has one definition
// (query/aggregate_rows.h).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "query/aggregate.h"
#include "query/column_source.h"
#include "query/filter.h"
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
  void table_changed(const ChangeSet& changes) override { source_->apply(changes); }

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
    uint32_t key_row = 0;  // a table row holding this group's key values
    std::string path;      // the encoded key path, which names the node across rebuilds
    std::vector<uint32_t> children;
    std::vector<uint32_t> rows;  // table rows, in primary-key order
  };

  GroupedView(const Table& table, ViewConfig config) : table_(&table), config_(std::move(config)) {}
  Result<ValueColumn> value_column(const std::string& name) const;
  // Rebuilds the tree and the aggregates when the table has changed since the last read.
  void refresh() const;
  void build_tree(const std::vector<uint32_t>& rows) const;
  void build_combos(const std::vector<uint32_t>& rows) const;
  void aggregate_nodes() const;
  void order_children() const;
  void carry_any_up() const;
  void layout_rows() const;
  bool is_collapsed(uint32_t node) const { return collapsed_.contains(nodes_[node].path); }
  // The combo and value column shown at visible column `index`.
  std::pair<size_t, size_t> column_at(size_t index) const;

  const Table* table_;
  std::unique_ptr<ColumnSource> source_;  // table and expression columns, by column id
  ViewConfig config_;
  std::vector<size_t> group_by_, split_by_;
  std::vector<ValueColumn> values_;
  // One per sort key that orders rows (not a "col ..." direction).
  std::vector<std::pair<ValueColumn, SortDirection>> row_sort_;
  std::optional<std::pair<size_t, SortDirection>> column_sort_;  // value index, direction
  RowFilter filter_;
  absl::flat_hash_set<std::string> collapsed_;  // paths of collapsed groups

  mutable std::optional<uint64_t> version_;
  mutable std::vector<uint32_t> natural_;  // the table's rows in natural order
  mutable std::vector<Node> nodes_;
  mutable std::vector<uint32_t> combo_rows_;    // a table row of each split combination, in order
  mutable std::vector<uint32_t> combo_of_row_;  // by table row
  mutable std::vector<std::vector<Column>> cells_;  // [combo][value]: one cell per node
  mutable std::vector<Column> sort_cells_;          // [row sort key]: one per node
  mutable std::vector<Column> levels_;              // [group level]: key per node
  mutable std::vector<uint32_t> visible_;           // nodes in display order
};

}  // namespace parallax
