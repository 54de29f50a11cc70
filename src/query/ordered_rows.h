// A big group's rows kept in the order one non-retractable aggregate reads them, so that a
// change moves a few rows by binary search instead of recomputing over the whole group:
// by value (nulls first, ties in primary-key order) for median, min, distinct count, ...;
// by the order the group's rows are walked for first, last, any, min by, max by. The result
// is read off the ends, a rank or the runs of equal values, and is the same as
// aggregate_rows over the group's rows (query/aggregate_rows.h). Distinct count keeps no order:
// only how many rows hold each value.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "core/column.h"
#include "core/table.h"
#include "query/aggregate.h"

namespace parallax {

// A join writes a new text into a grouped view's cells whenever a run's first row changes,
// and a column's dictionary keeps every text it was given: past twice as many texts as
// `cells` has cells (and a few), only those its cells hold are kept (codes renumbered, which
// nothing outside the column keeps: cells are compared and written by their text). Amortised,
// a write costs O(1) more; the dictionary holds at most about twice the texts in use.
void keep_texts_in_use(Column& cells);

class OrderedRows {
 public:
  // How rows that tie on the aggregate's key are ordered: primary-key order (`leaves` null),
  // or first by the leaf group they are in (`leaves` orders two leaves, negative, zero or
  // positive), then primary-key order.
  struct Order {
    const Table* table;
    const std::function<int(uint32_t, uint32_t)>* leaves = nullptr;
  };

  // Whether `kind` can be kept this way (its descriptor's order_key: every non-retractable
  // aggregate).
  static bool supports(AggregateKind kind);

  OrderedRows() = default;
  OrderedRows(const OrderedRows&) = delete;  // by_count_ points back at its owner
  OrderedRows& operator=(const OrderedRows&) = delete;

  // Orders `rows`, listed in the order the aggregate walks them, `leaf_of` naming each row's
  // leaf group. False when a value cannot be ordered (NaN): then the group is recomputed.
  bool build(AggregateKind kind, const Column& input, const Column* argument,
             std::span<const uint32_t> rows, const std::vector<uint32_t>& leaf_of);
  // Takes out / puts in table row `row` of leaf `leaf`, whose cells are at `position` of
  // `input` and `argument` (the table's columns, or the cells a change replaced). `current`
  // is the key column as the table holds it now (strings are kept by its codes). False
  // when the rows can no longer be kept ordered: the caller drops this object.
  bool erase(const Column& input, const Column* argument, const Column& current, uint32_t position,
             uint32_t row, uint32_t leaf, const Order& order);
  bool insert(const Column& input, const Column* argument, const Column& current, uint32_t position,
              uint32_t row, uint32_t leaf, const Order& order);
  size_t size() const { return size_; }
  // Writes the aggregate of the rows (at least one) into `out` at `position`. (Not const:
  // join keeps what it wrote, below.)
  void write(const Column& input, const Column* argument, Column& out, uint32_t position);

 private:
  struct Entry {
    int64_t key;  // the value's bits (a string's code), or 0
    uint32_t row;
    uint32_t tag;  // rank << 31 | leaf; rank orders before the key (null before value, ...)
    uint32_t rank() const { return tag >> 31; }
    uint32_t leaf() const { return tag & 0x7fffffffu; }
  };
  struct Run {  // dominant: how many rows hold a (rank, key)
    int64_t count;
    uint32_t rank;
    int64_t key;
  };
  struct RunLess {
    const OrderedRows* owner;
    bool operator()(const Run& a, const Run& b) const;
  };

  // The entry for a row, or nullopt for a value that cannot be ordered.
  std::optional<Entry> entry_of(const Column& input, const Column* argument, const Column& current,
                                uint32_t position, uint32_t row, uint32_t leaf) const;
  int compare_keys(uint32_t rank_a, int64_t a, uint32_t rank_b, int64_t b) const;
  bool same_key(const Entry& a, const Entry& b) const {
    return compare_keys(a.rank(), a.key, b.rank(), b.key) == 0;
  }
  bool less(const Entry& a, const Entry& b, const Order& order) const;
  // The rows live in blocks of a bounded size, so that a change moves a block's entries
  // rather than a whole big group's. `index` counts entries across blocks.
  const Entry& at(size_t index) const;
  // The index of the first entry for which `before` is false (`before` true for a prefix).
  template <typename Before>
  size_t partition(Before before) const;
  struct Spot {
    size_t block, offset, index;  // `index` is the entry's among all
  };
  // `index` only `with_index` (it walks the blocks before).
  template <typename Before>
  Spot locate(Before before, bool with_index) const;
  // Whether the entry just before `spot`, or the one at it, has `entry`'s key.
  bool same_key_before(const Spot& spot, const Entry& entry) const;
  bool same_key_at(const Spot& spot, const Entry& entry) const;
  static constexpr size_t kBlock = 512;  // entries a block starts with; split at twice that
  // The first entry whose key is not below / is above `probe`'s.
  size_t lower_key(const Entry& probe) const;
  size_t upper_key(const Entry& probe) const;
  // Dominant (OrderedRead::kMostRows) keeps how many rows each run holds.
  bool counts_runs() const { return descriptor(kind_).ordered_read == OrderedRead::kMostRows; }
  void count_run(const Entry& entry, int delta);
  // Distinct count (OrderedRead::kRunCount) needs no order, only how many rows hold each
  // value: it counts them by key in a hash map (built without sorting, strings by code).
  bool counts_values() const { return descriptor(kind_).ordered_read == OrderedRead::kRunCount; }
  // Counts `entry`'s value once more (`delta` 1) or less (-1); false when an erased value was
  // not counted.
  bool count_value(const Entry& entry, int delta);
  // Sorts entries by rank and key, keeping the given order among equal ones.
  void sort_by_key(std::vector<Entry>& entries) const;

  AggregateKind kind_ = AggregateKind::kMedian;
  DataType key_type_ = DataType::kFloat;
  bool descending_ = false;  // max by: highest first
  const StringDictionary* dictionary_ = nullptr;
  std::vector<std::vector<Entry>> blocks_;  // none empty
  size_t size_ = 0;
  int64_t runs_ = 0;  // distinct keys
  std::set<Run, RunLess> by_count_{RunLess{this}};
  absl::flat_hash_map<int64_t, uint32_t> value_counts_;  // counts_values(): rows per value
  uint32_t null_count_ = 0;                              // counts_values(): null rows
  // Join (OrderedRead::kRunFirsts): the first row of each run, and the cell the aggregate
  // makes of them, kept until a change puts a row first in its run or takes out a run's first
  // row (a one-row change in a group of 125,000 rows and 1,000 values rarely does: the
  // joined text, 1,000 binary searches and a sort of 1,000 strings, stays as it was).
  std::vector<uint32_t> firsts_;
  bool firsts_current_ = false;
  std::optional<Column> joined_;
};

}  // namespace parallax
