// Sorting a view's rows by several keys. Each key column is first turned into one number per
// row that orders like the cells (strings by their rank in the dictionary), so the comparison
// loop touches flat arrays only.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "core/table.h"
#include "query/column_source.h"
#include "query/view_config.h"

namespace parallax {

struct CompiledSortKey {
  size_t column;
  SortDirection direction;
};

Result<std::vector<CompiledSortKey>> compile_sort(const Schema& schema,
                                                  const std::vector<SortKey>& keys);

// The sort keys as one number per table row and key, ordering as the cells do. A view keeps
// them between reads and re-derives only the rows a change touched.
class SortNumbers {
 public:
  // Numbers for every row of the source.
  void prepare(const ColumnSource& source, const std::vector<CompiledSortKey>& keys);
  // Re-derives the numbers of `rows`, whose cells changed. False (and nothing kept) when
  // that cannot be done: rows past those prepared, or a string key whose dictionary grew,
  // which moves every string's rank; prepare again then.
  bool update(const ColumnSource& source, std::span<const uint32_t> rows);
  bool prepared() const { return prepared_; }
  void clear();
  size_t num_keys() const { return keys_.size(); }
  const std::vector<double>& numbers(size_t key) const { return keys_[key].numbers; }
  bool descending(size_t key) const { return keys_[key].descending; }
  // Whether row `a` sorts before row `b` by the keys alone (ties are neither).
  bool before(uint32_t a, uint32_t b) const {
    for (const auto& key : keys_) {
      const double x = key.numbers[a], y = key.numbers[b];
      if (x != y) return key.descending ? x > y : x < y;
    }
    return false;
  }

 private:
  struct Key {
    size_t column;
    bool absolute = false, descending = false;
    std::vector<double> numbers;  // per table row
    std::vector<double> ranks;    // strings: per dictionary code
  };
  std::vector<Key> keys_;
  bool prepared_ = false;
};

// Sorts `rows` (table row positions, given in the order ties keep) by `keys`, whose column
// ids are the source's.
void sort_rows(const ColumnSource& source, const std::vector<CompiledSortKey>& keys,
               std::vector<uint32_t>& rows);

// The first `count` rows of what sort_rows would give, without sorting the rest: one pass
// with a bounded heap, O(n log count), for views read a page at a time.
std::vector<uint32_t> first_sorted_rows(const ColumnSource& source,
                                        const std::vector<CompiledSortKey>& keys,
                                        const std::vector<uint32_t>& rows, size_t count);
// As above, with numbers prepared for the keys (no keys: the first `count` rows as given).
std::vector<uint32_t> first_sorted_rows(const SortNumbers& numbers,
                                        const std::vector<uint32_t>& rows, size_t count);

}  // namespace parallax
