// Which groups of a grouped view the table's last change altered (View::read_changed), for
// ROW-mode on_update deltas. A row is sent when its group is new or one of its non-null cells
// changed (a cell that became null, as a split value leaving a group, does not count, as in
// the reference); a group the change added or moved a row into is sent anyway when a column
// is aggregated by "count" or "last", as the reference does. Groups that disappeared are not
// sent.
//
// Nothing is kept until tracking starts (a ROW subscription starts it), so views without
// subscribers pay nothing. When the view follows a change, only the touched groups' cells are
// remembered before and compared after: as in the reference, a group the change did not touch
// is not sent even when its share of a percentage moved. When the view must rebuild, every
// group's cells are remembered by group path and column path and compared with the rebuilt
// tree's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "core/column.h"
#include "core/table.h"
#include "query/group_tree.h"
#include "query/grouped_measures.h"
#include "query/split_columns.h"

namespace parallax {

class ChangeMarks {
 public:
  ChangeMarks(const Table& table, const GroupTree& tree, const SplitColumns& splits,
              const GroupedMeasures& measures)
      : table_(&table), tree_(&tree), splits_(&splits), measures_(&measures) {}

  bool tracking() const { return tracking_; }
  void start_tracking() { tracking_ = true; }
  // Whether the marks describe the table's current version (else every row may have changed).
  bool current() const { return version_ == table_->version(); }
  bool changed(uint32_t node) const { return changed_[node] != 0; }

  // While following a change: the touched groups' cells before any total moves (`touched`:
  // the groups on the changed rows' old and new paths) ...
  void remember_cells(std::span<const uint32_t> touched, size_t nodes_before);
  // ... and after. `joined`: the leaf groups the change added or moved rows into (kNoNode:
  // none).
  void mark_followed(size_t nodes_before, std::span<const uint32_t> joined);
  // Before a rebuild: the whole tree. `left`, `gone`: the leaf groups the change's updated and
  // removed rows were in (kNoNode: none); groups a row was removed from are re-sent like
  // those rows joined.
  void remember_tree(const ChangeSet& changes, size_t nodes_before, std::span<const uint32_t> left,
                     std::span<const uint32_t> gone);
  // After the rebuild, when the tree was remembered.
  bool tree_remembered() const { return tree_remembered_; }
  void mark_rebuilt();
  // The split combinations were renumbered (SplitColumns::drop_emptied) while cells were
  // remembered.
  void compact_combos(std::span<const uint32_t> renumbered);

 private:
  // Whether a group a change touches is sent even unchanged ("count" or "last" columns).
  bool resends_touched_groups() const;
  void mark_path(uint32_t leaf);  // marks `leaf` and its ancestors changed

  const Table* table_;
  const GroupTree* tree_;
  const SplitColumns* splits_;
  const GroupedMeasures* measures_;

  bool tracking_ = false;
  std::optional<uint64_t> version_;  // the table version `changed_` describes
  std::vector<uint8_t> changed_;     // per node
  // While following: the touched groups that existed and their cells [combo][value].
  std::vector<uint32_t> nodes_;
  std::vector<std::vector<Column>> cells_;
  // Before a rebuild: each group by path, each cell column by column path, the rows the
  // change added or updated, the paths of the groups the change's rows left, and whether
  // every group must be compared.
  bool tree_remembered_ = false;
  bool compare_all_ = false;
  std::vector<uint32_t> joined_rows_;
  absl::flat_hash_set<std::string> touched_paths_, resent_paths_;
  absl::flat_hash_map<std::string, uint32_t> node_of_path_;
  absl::flat_hash_map<std::string, Column> column_of_path_;
};

}  // namespace parallax
