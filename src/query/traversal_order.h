// How the reference's traversal orders what it shows, shared by a grouped view's rows
// (group_tree children) and its split columns: directions of a sort, and new entries placed
// among those shown before.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "query/view_config.h"

namespace parallax {

inline bool is_column_direction(SortDirection direction) {
  return direction == SortDirection::kColumnAscending ||
         direction == SortDirection::kColumnDescending ||
         direction == SortDirection::kColumnAscendingAbs ||
         direction == SortDirection::kColumnDescendingAbs;
}

inline bool is_descending(SortDirection direction) {
  return direction == SortDirection::kDescending || direction == SortDirection::kDescendingAbs ||
         direction == SortDirection::kColumnDescending ||
         direction == SortDirection::kColumnDescendingAbs;
}

inline bool is_abs(SortDirection direction) {
  return direction == SortDirection::kAscendingAbs || direction == SortDirection::kDescendingAbs ||
         direction == SortDirection::kColumnAscendingAbs ||
         direction == SortDirection::kColumnDescendingAbs;
}

// The reference's traversal showing new children among those it shows: `kept` stay in their
// order and each of `added`, in key order, goes after as many kept ones as have a smaller key.
// (The j-th added lands at its count of smaller kept keys plus j: later ones go after it.)
template <typename KeyLess>
std::vector<uint32_t> insert_by_key(std::vector<uint32_t> kept, std::vector<uint32_t> added,
                                    KeyLess key_less) {
  std::sort(added.begin(), added.end(), key_less);
  std::vector<uint32_t> kept_by_key = kept;
  std::sort(kept_by_key.begin(), kept_by_key.end(), key_less);
  std::vector<uint32_t> merged;
  merged.reserve(kept.size() + added.size());
  size_t next_kept = 0;
  for (const uint32_t child : added) {
    const auto smaller = std::lower_bound(kept_by_key.begin(), kept_by_key.end(), child, key_less);
    while (next_kept < static_cast<size_t>(smaller - kept_by_key.begin()))
      merged.push_back(kept[next_kept++]);
    merged.push_back(child);
  }
  merged.insert(merged.end(), kept.begin() + static_cast<std::ptrdiff_t>(next_kept), kept.end());
  return merged;
}

}  // namespace parallax
