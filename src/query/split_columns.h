// The split columns of a grouped view: the combinations of split_by values its rows take
// (one column group each, "East|sales"), which combination each table row is in, how many
// rows each holds, and their column order with a "col" sort.
// Combinations are numbered in display order; without split_by there is one, holding every
// row.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "common/status.h"
#include "core/column.h"
#include "query/column_source.h"
#include "query/view_config.h"

namespace parallax {

class SplitColumns {
 public:
  static constexpr uint32_t kDropped = UINT32_MAX;

  SplitColumns() = default;
  SplitColumns(const ColumnSource& source, std::vector<size_t> split_by)
      : source_(&source), split_by_(std::move(split_by)) {}

  // Fresh combinations of `rows` (those that pass the filter), in key order: each level's
  // values in turn, null first. `table_rows`: how many rows the table has.
  void build(std::span<const uint32_t> rows, size_t table_rows);
  // Numbers the combinations as `order` lists them (order[i]: the combination shown i-th).
  void permute(std::span<const uint32_t> order);
  // Names each combination's columns ("East|" + value name): once ordered.
  void make_paths();

  bool empty_split() const { return split_by_.empty(); }
  size_t depth() const { return split_by_.size(); }
  size_t size() const { return rows_.size(); }
  // The combination key of `row` (each level's group key), and the combination holding that
  // key, if any.
  std::string key(uint32_t row) const;
  std::optional<uint32_t> find(uint32_t row) const;
  // Each combination's key, by combination.
  std::vector<std::string> keys() const;
  // A table row of combination `combo`, which names its values.
  uint32_t first_row(uint32_t combo) const { return rows_[combo]; }
  const std::string& path(uint32_t combo) const { return paths_[combo]; }
  size_t rows_in(uint32_t combo) const { return sizes_[combo]; }
  void count_row(uint32_t combo, int delta) { sizes_[combo] += delta; }

  // The combination of table row `row` (0 when it is in none: filtered out or unknown).
  // Without split_by every row is in the one combination: no per-row state is kept.
  uint32_t of(uint32_t row) const { return split_by_.empty() ? 0 : of_row_[row]; }
  void set(uint32_t row, uint32_t combo) {
    if (!split_by_.empty()) of_row_[row] = combo;
  }
  void resize_rows(size_t rows) {
    if (!split_by_.empty()) of_row_.resize(rows, 0);
  }
  // After a removal: table row `before` moved to `after`; `removed` tells the rows removed
  // (a combination named by one of them takes another of its rows from `all_rows`).
  void move_row(uint32_t before, uint32_t after) {
    if (before < of_row_.size()) of_row_[after] = of_row_[before];
  }
  void rename_after_removal(const absl::flat_hash_map<uint32_t, uint32_t>& moved_to,
                            const std::function<bool(uint32_t)>& removed,
                            std::span<const uint32_t> all_rows);
  // Drops the combinations left without rows: answers each one's new number (kDropped:
  // dropped); the caller renumbers what it keeps per combination.
  std::vector<uint32_t> drop_emptied();

  // Per combination, its parent column (the combinations sharing all its split values but the
  // last), numbered from 0; `count` gets how many there are.
  std::vector<uint32_t> parent_columns(size_t& count) const;

  // The "col" sort: the order to show the combinations in, as a fresh view's column traversal
  // (each level's siblings by the column's total, ties in key order). `totals(level, firsts,
  // end)`: the values the siblings at split `level` sort by, each named by its first
  // combination (those below the last ending at `end`).
  using SiblingTotals =
      std::function<Column(size_t level, const std::vector<uint32_t>& firsts, uint32_t end)>;
  std::vector<uint32_t> column_order(SortDirection direction, const SiblingTotals& totals) const;

  // The invariants between the combinations' parts (common/check.h). `rows_in_view`: how many
  // rows pass the filter.
  Status check(size_t table_rows, size_t rows_in_view) const;

 private:
  const ColumnSource* source_ = nullptr;
  std::vector<size_t> split_by_;

  std::vector<uint32_t> rows_;                        // a table row of each combination
  std::vector<std::string> paths_;                    // each combination's "a|b|" path prefix
  absl::flat_hash_map<std::string, uint32_t> index_;  // combination key -> combination
  std::vector<size_t> sizes_;                         // rows per combination
  std::vector<uint32_t> of_row_;                      // by table row (none without split_by)
};

}  // namespace parallax
