// The aggregated cells of a grouped view: for each value column in each split combination,
// and for each sort key that orders rows, one cell per group-tree node, with the running
// totals of retractable aggregates (query/running_totals.h) and, for big groups, the rows
// kept in order for the others (query/ordered_rows.h, grouped_measures_ordered.cpp).
//
// It reads the tree (query/group_tree.h) and the split columns (query/split_columns.h) and
// changes neither; the grouped view grows and renumbers it as they change.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "common/check.h"
#include "common/status.h"
#include "common/task_pool.h"
#include "core/column.h"
#include "core/table.h"
#include "query/aggregate.h"
#include "query/column_source.h"
#include "query/group_tree.h"
#include "query/ordered_rows.h"
#include "query/running_totals.h"
#include "query/split_columns.h"

namespace parallax {

class GroupedMeasures {
 public:
  // A visible column and how it is aggregated.
  struct ValueColumn {
    std::string name;
    size_t position;  // in the source
    Aggregate aggregate;
    DataType result_type;
  };
  using RowSort = std::vector<std::pair<ValueColumn, SortDirection>>;
  // Where one aggregated quantity lives: value column `index` in combination `combo`, or
  // (index past the value columns) a row sort key, aggregated over every combination.
  struct Measure {
    const ValueColumn& value;
    Column& cells;                       // one per node
    std::vector<RunningTotals>& totals;  // one per node when retractable
    std::optional<uint32_t> combo;       // the combination its rows must be in, if any
    uint32_t index = 0;                  // names it (with `slot`) among ordered rows kept
    uint32_t slot = 0;                   // its combination; 0 for a sort key
  };
  // Groups of at most this many rows recompute their non-retractable aggregates and var and
  // stddev when a change touches them (cheap, and var's exact sums need not be kept); bigger
  // ones keep the others' rows ordered and retract var's. Sums, means and counts retract in
  // groups of any size (their sums are exact: query/exact_sum.h).
  static constexpr size_t kReaddBelow = 2048;
  // Whether `kind` is recomputed in groups of at most kReaddBelow rows (not retracted).
  static bool readds_small_groups(AggregateKind kind);
  // A change that moves more than one in this many of a big group's rows recomputes the
  // group's non-retractable aggregates in one pass over its rows instead of moving each row
  // in their ordered rows (a binary search and a shift of a block each: about as dear as
  // aggregating this many rows), and the group keeps no order until a smaller change.
  static constexpr size_t kMoveShare = 128;
  // And a group without ordered rows builds them (a sort: tens of passes over its rows) only
  // after a one-row change or one that moves fewer than one in this many of its rows, so that
  // a live source's windows, whose sizes vary about kMoveShare, do not build orders that the
  // next window drops.
  static constexpr size_t kBuildShare = 4096;

  GroupedMeasures(const Table& table, const ColumnSource& source, const GroupTree& tree,
                  const SplitColumns& splits, std::vector<ValueColumn> values, RowSort row_sort)
      : table_(&table),
        source_(&source),
        tree_(&tree),
        splits_(&splits),
        values_(std::move(values)),
        row_sort_(std::move(row_sort)) {}

  const std::vector<ValueColumn>& values() const { return values_; }
  const RowSort& row_sort() const { return row_sort_; }
  size_t num_measures() const { return values_.size() + row_sort_.size(); }
  Measure measure(size_t index, uint32_t combo);
  // Value `v`'s cells in combination `combo`, and sort key `k`'s. A percentage's cells only
  // when percentages_current() (else: percentages()).
  const Column& cells(size_t combo, size_t v) const {
    PX_DCHECK(!percentages_stale_ || !is_percentage(values_[v].aggregate.kind));
    return cells_[combo][v];
  }
  const Column& sort_cells(size_t k) const { return sort_cells_[k]; }
  size_t num_combos() const { return cells_.size(); }

  // Aggregates every node afresh (the tree and the split columns just built), on `pool`'s
  // threads if given: each cell adds its rows in the order one thread does, so the cells are
  // the same to the last bit whatever the number of threads.
  void aggregate_all(TaskPool* pool = nullptr);
  // Grows every per-node column to the tree's nodes.
  void add_node_columns();
  // Recomputes the measure's cell of `node` over the node's rows in its combination; with
  // `keep_order`, a big group then keeps its rows ordered for the next change.
  void recompute(const Measure& measure, uint32_t node, std::vector<uint32_t>& scratch,
                 bool keep_order = true);
  // The percentages of every node, from their sums.
  void finish_percentages();
  // After a change moved sums: the percentages' cells are not rewritten (a pct sum total's
  // cells all move with the grand total, a pct sum parent's with their parent's sum: 1,000
  // children a change), but computed when read, for the rows read (percentages()).
  void percentages_moved();
  bool percentages_current() const { return !percentages_stale_; }
  // Value `v`'s cells in every combination, `nodes`' written as finish_percentages would write
  // them (the others as kept): what a read shows of a percentage.
  std::vector<Column> percentages(size_t v, std::span<const uint32_t> nodes) const;
  // The totals of value column `v` of sibling column-tree nodes at split `level`, each named
  // by its first combination (combinations in key order, those below the last ending at `end`):
  // what a "col" sort orders columns by.
  Column node_totals(size_t v, size_t level, const std::vector<uint32_t>& nodes,
                     uint32_t end) const;
  // Renumbers the combinations as SplitColumns::permute and ::drop_emptied did.
  void permute_combos(std::span<const uint32_t> order);
  void compact_combos(std::span<const uint32_t> renumbered);
  // Whether `measure` reads rows in the tree's order rather than primary-key order.
  static bool sums_in_tree_order(const Measure& measure);

  // Big groups keep their rows ordered for each non-retractable measure instead of
  // recomputing it (grouped_measures_ordered.cpp). Off: they recompute (tests and benchmarks
  // compare the two).
  void set_keep_ordered(bool keep) {
    keep_ordered_ = keep;
    ordered_.clear();
  }
  // How many (group, aggregate) orders are kept now (none until a change touches a group).
  size_t ordered_groups() const { return ordered_.size(); }
  // How many texts the cells' dictionaries hold, every column's added up.
  size_t texts_held() const;
  // Moves a changed row out of (`adding` false) or into the measure's ordered rows of `node`,
  // if kept; its cells are at `position` of `input` and `argument`, and it is in `leaf`.
  void move_ordered(const Measure& measure, uint32_t node, uint32_t leaf, uint32_t row,
                    const Column& input, const Column* argument, uint32_t position, bool adding);
  // Writes the measure's cell of `node` from its ordered rows; false when none are kept.
  bool settle_ordered(const Measure& measure, uint32_t node);
  // Whether any big group keeps ordered rows (whose row numbers a removal would move).
  bool keeps_ordered_rows() const { return !ordered_.empty(); }
  // Forgets the ordered rows of a group taken out of the tree.
  void forget_node(uint32_t node);

  // What is compared of value `v` in combination `combo` at `nodes` to tell a changed group:
  // its cells, or for a percentage the sum it is a share of.
  Column compared_cells(size_t combo, size_t v, std::span<const uint32_t> nodes) const;

  // The invariants between the cells, totals, tree and split columns (common/check.h).
  Status check() const;

 private:
  // Aggregates `rows` (which belong to `node`) into the measure's cell of `node`. With
  // `keep_order` (following a change), a big group keeps its rows ordered for the measure's
  // non-retractable aggregate; a build keeps no such state: a view that never changes never
  // pays for it, and the first change that touches the group builds it.
  void fill(const Measure& measure, std::span<const uint32_t> rows, uint32_t node,
            bool keep_order = false);
  // As fill, through an OrderedRows kept for a big group; false (and nothing kept) for other
  // groups and aggregates.
  bool fill_ordered(const Measure& measure, std::span<const uint32_t> rows, uint32_t node);
  // The order the reference walks a group's rows (AggregateDescriptor::tree_order): the rows
  // of each leaf group below it (in primary-key order), leaves in key order; with
  // split_by, each leaf's rows by split combination, as the reference's row tree, whose
  // leaves go on to the split levels (a split cell adds its rows in primary-key order). "last"
  // and "any" take the last/first row in that order too, while "first", "last by index" and
  // the other row pickers go by primary key (and sums, exact, in any order).
  // (The node's own rows, or `out` holding them in that order.)
  std::span<const uint32_t> aggregation_order(uint32_t node, std::vector<uint32_t>& out) const;
  // A build's retractable measures without split_by (`indices`), every node: each row added to
  // its leaf in one pass over the rows, the groups above the leaves from their children's
  // (exact) sums, a measure per task of `pool`.
  void fill_retractable(std::span<const size_t> indices, TaskPool* pool);
  // A build's retractable value columns with split_by, every node and combination, with the
  // sums fill would make, a level of the tree per task of `pool`; false (nothing done) for
  // split-only rows or when the cells far outnumber the rows.
  bool fill_split_levels(TaskPool* pool);
  // The measures not `filled` of `node`, as fill. With `totals_only` (all of them
  // retractable), only their running totals: write_totals writes the cells afterwards.
  struct NodeScratch {
    std::vector<uint32_t> by_combo, summing_order;
    std::vector<size_t> combo_starts;
  };
  void aggregate_node(uint32_t node, const std::vector<uint8_t>& filled, bool totals_only,
                      NodeScratch& scratch);
  void write_totals(const std::vector<uint8_t>& filled, TaskPool* pool);
  // After `node`'s cell of `kind` was written from `totals`: drops what only a big group
  // retracts with.
  void written(AggregateKind kind, RunningTotals& totals, uint32_t node) const;
  // Writes percentage value `v` of `nodes` into `out` (one column per combination).
  void write_percentages(size_t v, std::span<const uint32_t> nodes,
                         std::span<Column* const> out) const;

  const Table* table_;
  const ColumnSource* source_;
  const GroupTree* tree_;
  const SplitColumns* splits_;
  std::vector<ValueColumn> values_;
  RowSort row_sort_;  // one per sort key that orders rows (not a "col ..." direction)

  std::vector<std::vector<Column>> cells_;  // [combo][value]: one cell per node
  // [combo][value]: one per node, for retractable aggregates (empty for the others).
  std::vector<std::vector<std::vector<RunningTotals>>> totals_;
  std::vector<Column> sort_cells_;                       // [row sort key]: one per node
  std::vector<std::vector<RunningTotals>> sort_totals_;  // [row sort key]: as totals_
  // (measure index, combination, node) -> the rows of a big group in that measure's order.
  using OrderedKey = std::tuple<uint32_t, uint32_t, uint32_t>;
  absl::flat_hash_map<OrderedKey, std::unique_ptr<OrderedRows>> ordered_;
  bool keep_ordered_ = true;
  // The percentages' cells hold what some earlier change left (percentages_moved).
  bool percentages_stale_ = false;
};

}  // namespace parallax
