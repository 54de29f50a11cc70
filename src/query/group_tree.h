// The group tree of a grouped view: a totals row, then a node per group at each group_by
// level (split-only views: a node per passing table row below the totals row), each with its
// table rows in primary-key order, and the leaf group of every table row. Nodes are numbered
// parents before children and keep their numbers while the view follows changes: a group
// emptied by a change stays, marked gone, out of its parent's children.
//
// It knows nothing of aggregates, split columns or what is expanded: the grouped view
// (query/grouped_view.h) keeps those beside it, one entry per node.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "common/status.h"
#include "common/task_pool.h"
#include "core/column.h"
#include "core/table.h"
#include "query/column_source.h"

namespace parallax {

class GroupTree {
 public:
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

  GroupTree() = default;
  // `group_by`: the source's column ids, one per level (none: split-only rows).
  GroupTree(const Table& table, const ColumnSource& source, std::vector<size_t> group_by)
      : table_(&table), source_(&source), group_by_(std::move(group_by)) {}

  // A fresh tree of `rows` (table rows that pass the filter, in natural order), on `pool`'s
  // threads if given: the same tree, node numbers included, whatever their number.
  void build(std::span<const uint32_t> rows, TaskPool* pool = nullptr);
  // The same, taking `rows` as the totals row's rows rather than a copy (4 bytes a row).
  void build(std::vector<uint32_t>&& rows, TaskPool* pool = nullptr);
  // The leaf group `row` belongs in, made (with any missing ancestors and their keys) if new;
  // counts the children added per parent in `new_children`, if given (the caller adds the
  // row to the groups' rows).
  uint32_t find_or_add_leaf(uint32_t row, absl::flat_hash_map<uint32_t, size_t>* new_children);

  size_t size() const { return nodes_.size(); }
  const Node& node(uint32_t index) const { return nodes_[index]; }
  // (The caller may reorder or add children: the tree no longer vouches for their order.)
  Node& node(uint32_t index) {
    children_in_key_order_ = false;
    return nodes_[index];
  }
  // Whether every group's children are in key order (compare_cells of their level's keys):
  // a build leaves them so where every level is a string column, until a group is reached
  // through the non-const node() or given new children. The ones who read the tree in key
  // order skip checking 50,000 children that are known to be in it.
  bool children_in_key_order() const { return children_in_key_order_; }
  // The depth of the rows the tree ends in: one per group_by level; split-only rows sit one
  // level below a hidden totals row, as the reference's primary-key level.
  size_t leaf_depth() const { return group_by_.empty() ? 1 : group_by_.size(); }
  // [group level]: each node's key at that level (null above it).
  const std::vector<Column>& levels() const { return levels_; }

  // The leaf group of table row `row`: kNoNode when filtered out (or past the rows known).
  uint32_t leaf_of(uint32_t row) const {
    return row < leaf_of_row_.size() ? leaf_of_row_[row] : kNoNode;
  }
  const std::vector<uint32_t>& leaf_of_rows() const { return leaf_of_row_; }
  // The leaf group of `row`'s keys as the table holds them now (kNoNode: no such group), found
  // by key rather than read from leaf_of: for a row in a group whose keys did not change, its
  // leaf without a load from a 4-byte-a-row array that a change of random rows misses in
  // cache. Not for split-only trees (their leaves are rows).
  uint32_t find_leaf(uint32_t row) const;
  void set_leaf(uint32_t row, uint32_t leaf) { leaf_of_row_[row] = leaf; }
  // Numbers the rows as the table does now (new rows in no group yet).
  void resize_rows(size_t rows) { leaf_of_row_.resize(rows, kNoNode); }
  // After a removal: table row `before` moved to `after` (the groups' row lists are the
  // caller's to renumber; this moves the row's leaf and, for split-only rows, its key).
  void move_row(uint32_t before, uint32_t after);

  // Whether `node` is `leaf` or one of its ancestors.
  bool on_path(uint32_t leaf, uint32_t node) const;
  // Orders two leaf groups by their keys, level by level (the tree's order of rows).
  int compare_leaves(uint32_t a, uint32_t b) const;
  // Takes the groups among `touched` left without rows out of the tree (their nodes stay,
  // marked gone, so node numbers hold), as a rebuild would not make them. Answers each
  // dropped group's node and the path it had.
  std::vector<std::pair<uint32_t, std::string>> drop_emptied(std::span<const uint32_t> touched);

  // The invariants between nodes, rows and keys (common/check.h): kInternal naming the first
  // broken one. `table_rows`: how many rows the table has now.
  Status check(size_t table_rows) const;

 private:
  // (parent, key valid, key bits) -> child node.
  using ChildKey = std::tuple<uint32_t, bool, int64_t>;

  // What finding the leaves hands to filling the groups' rows.
  struct LeafCounts {
    // Piece i of n of the rows is [size * i / n, size * (i + 1) / n).
    size_t pieces = 1;
    std::vector<uint32_t> counts;  // [piece * nodes + leaf]: the piece's rows in that leaf
    // Not empty when leaf_of_row_ still holds each row's combination of codes: the leaf of
    // each combination (filling the leaves' rows writes each row's leaf as it goes).
    std::vector<uint32_t> leaf_of_code;
  };
  // Building: each row's leaf group (leaf_of_row_) and the leaves' row counts, then each
  // group's rows.
  LeafCounts find_leaves(std::span<const uint32_t> rows, TaskPool* pool);
  // When every level is a string column: a row's leaf through its levels' dictionary codes,
  // combined into one number, counted in the same pass (false, nothing done, for other keys
  // or too many combinations).
  bool find_leaves_by_codes(std::span<const uint32_t> rows, TaskPool* pool, LeafCounts& out);
  void fill_group_rows(std::span<const uint32_t> rows, TaskPool* pool, LeafCounts& leaves);
  // After groups were made without their keys (find_leaves_by_codes): each level's key per
  // node.
  void set_level_keys_by_codes();
  // Puts the children of each node in key order where the keys are strings (the order the
  // view shows without a sort), comparing the texts directly.
  void sort_string_children();

  const Table* table_ = nullptr;
  const ColumnSource* source_ = nullptr;
  std::vector<size_t> group_by_;

  std::vector<Node> nodes_;  // parents before children
  absl::flat_hash_map<ChildKey, uint32_t> child_index_;
  std::vector<uint32_t> leaf_of_row_;  // by table row; kNoNode when filtered out
  std::vector<Column> levels_;         // [group level]: key per node
  bool children_in_key_order_ = false;
};

}  // namespace parallax
